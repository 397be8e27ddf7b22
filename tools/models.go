package tools

import (
	"context"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

// modelsTool declares agent-models: every action with its parameter rules and handler.
func modelsTool() ToolSpec {
	return ToolSpec{
		Name: "agent-models", Toolset: "models", Title: "Agent model catalogue",
		Description: `Browse ModelsLab's model catalogue: which models exist, what they do and which parameters they take. Changes nothing.
"search" lists models narrowed by search, feature (imagen, video_fusion, audio_gen, llmaster, ...), provider, model_type, model_subcategory, base_model, tags (comma-separated) and sort, per_page at a time (page for more); "filters", "tags" and "providers" list the values those take.
"detail" (model_id from search) shows one model with a JSON Schema of its generation parameters under parameters.
Needs a logged-in session (agent-auth login) with the models:read scope.`,
		Params: map[string]ParamSpec{
			"model_id": {Hint: "pass a model id from action search, e.g. flux"},
		},
		Actions: []ActionSpec{
			{Name: "search", Optional: []string{"search", "feature", "provider", "model_type", "model_subcategory", "base_model", "tags", "sort", "per_page", "page"},
				ReadOnly: true, NeedsToken: true, Handler: modelsSearch},
			{Name: "filters", ReadOnly: true, NeedsToken: true, Handler: modelsFilters},
			{Name: "tags", ReadOnly: true, NeedsToken: true, Handler: modelsTags},
			{Name: "providers", ReadOnly: true, NeedsToken: true, Handler: modelsProviders},
			{Name: "detail", Required: []string{"model_id"}, ReadOnly: true, NeedsToken: true, Handler: modelsDetail},
		},
	}
}

func modelsSearch(ctx context.Context, c *call) (*outcome, error) {
	a := c.args
	return fromList(c.client.SearchModels(ctx, c.token, upstream.ModelSearchQuery{
		Search: a.String("search"), Feature: a.String("feature"), Provider: a.String("provider"),
		ModelType: a.String("model_type"), ModelSubcategory: a.String("model_subcategory"), BaseModel: a.String("base_model"),
		Tags: a.String("tags"), Sort: a.String("sort"), PerPage: a.Int("per_page"), Page: a.Int("page"),
	}))
}

func modelsFilters(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.ModelFilters(ctx, c.token))
}

func modelsTags(ctx context.Context, c *call) (*outcome, error) {
	return fromList(c.client.ModelTags(ctx, c.token))
}

func modelsProviders(ctx context.Context, c *call) (*outcome, error) {
	return fromList(c.client.ModelProviders(ctx, c.token))
}

func modelsDetail(ctx context.Context, c *call) (*outcome, error) {
	return fromResult(c.client.GetModel(ctx, c.token, c.args.String("model_id")))
}
