package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// profileTool declares agent-profile: every action with its parameter rules and handler.
func profileTool() ToolSpec {
	return ToolSpec{
		Name: "agent-profile", Toolset: "profile", Title: "Agent account profile",
		Description: `Read and change the logged-in ModelsLab account's profile.
"get" returns the profile, preferences and wallet summary. "update" changes name, username or about_me (send only what changes).
"update-password" needs current_password, password and password_confirmation. "update-socials" sets facebook, github, twitter, instagram (a URL or a handle each) or discord (a handle); "" clears one.
"update-preferences" sets nsfw_content, wallet_notification_enabled or wallet_notification_threshold.
Needs a logged-in session (agent-auth login).`,
		Params: map[string]ParamSpec{
			"about_me":              {Multiline: true},
			"current_password":      secretParam,
			"password":              secretParam,
			"password_confirmation": confirmParam,
		},
		Actions: []ActionSpec{
			{Name: "get", ReadOnly: true, NeedsToken: true, Handler: profileGet},
			{Name: "update", Optional: []string{"name", "username", "about_me"}, AtLeastOne: true, NeedsToken: true, Handler: profileUpdate},
			{Name: "update-password", Required: []string{"current_password", "password", "password_confirmation"}, NeedsToken: true, Handler: profileUpdatePassword},
			{Name: "update-socials", Optional: []string{"facebook", "github", "twitter", "instagram", "discord"}, AtLeastOne: true, NeedsToken: true, Handler: profileUpdateSocials},
			{Name: "update-preferences", Optional: []string{"nsfw_content", "wallet_notification_enabled", "wallet_notification_threshold"}, AtLeastOne: true, NeedsToken: true, Handler: profileUpdatePreferences},
		},
	}
}

func profileGet(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.GetProfile(ctx, c.token))
}

func profileUpdate(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return fromResult(c.client.UpdateProfile(ctx, c.token, upstream.ProfileUpdate{
		Name: a.StringPtr("name"), Username: a.StringPtr("username"), AboutMe: a.StringPtr("about_me"),
	}))
}

func profileUpdatePassword(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return fromResult(c.client.UpdatePassword(ctx, c.token, upstream.PasswordUpdate{
		CurrentPassword: a.String("current_password"), Password: a.String("password"),
		PasswordConfirmation: a.String("password_confirmation"),
	}))
}

func profileUpdateSocials(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return fromResult(c.client.UpdateSocials(ctx, c.token, upstream.SocialsUpdate{
		Facebook: a.StringPtr("facebook"), GitHub: a.StringPtr("github"), Twitter: a.StringPtr("twitter"),
		Instagram: a.StringPtr("instagram"), Discord: a.StringPtr("discord"),
	}))
}

func profileUpdatePreferences(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return fromResult(c.client.UpdatePreferences(ctx, c.token, upstream.PreferencesUpdate{
		NSFWContent: a.BoolPtr("nsfw_content"), WalletNotificationEnabled: a.BoolPtr("wallet_notification_enabled"),
		WalletNotificationThreshold: a.FloatPtr("wallet_notification_threshold"),
	}))
}
