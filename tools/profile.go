package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

func init() {
	descriptions["agent-profile"] = `Read and change the logged-in ModelsLab account's profile.
"get" returns the profile, preferences and wallet summary. "update" changes name, username or about_me (send only what changes).
"update-password" needs current_password, password and password_confirmation. "update-socials" sets facebook, github, twitter, instagram (URLs) or discord (a handle).
"update-preferences" sets nsfw_content, wallet_notification_enabled or wallet_notification_threshold.
Needs a logged-in session (agent-auth login).`
	handlers["agent-profile"] = map[string]handlerFunc{
		"get":                profileGet,
		"update":             profileUpdate,
		"update-password":    profileUpdatePassword,
		"update-socials":     profileUpdateSocials,
		"update-preferences": profileUpdatePreferences,
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
