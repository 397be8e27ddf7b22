package upstream

import (
	"context"
	"encoding/json"
	"net/url"
)

// ModelSearchQuery is the query of GET /models. Zero fields are not sent.
type ModelSearchQuery struct {
	Search, Feature, Provider, ModelType, ModelSubcategory, BaseModel string
	// Tags is comma-separated, sent as one tags parameter.
	Tags string
	// Sort is passed on as given: the docs disagree on its values.
	Sort string
	// PerPage and Page page the catalogue.
	PerPage, Page int64
}

func (q ModelSearchQuery) values() url.Values {
	v := url.Values{}
	setQuery(v, "search", q.Search)
	setQuery(v, "feature", q.Feature)
	setQuery(v, "provider", q.Provider)
	setQuery(v, "model_type", q.ModelType)
	setQuery(v, "model_subcategory", q.ModelSubcategory)
	setQuery(v, "base_model", q.BaseModel)
	setQuery(v, "tags", q.Tags)
	setQuery(v, "sort", q.Sort)
	setQueryInt(v, "per_page", q.PerPage)
	setQueryInt(v, "page", q.Page)
	return v
}

// SearchModels searches the model catalogue, paginated (GET /models).
func (c *Client) SearchModels(ctx context.Context, tok Token, q ModelSearchQuery) (*Result[List], error) {
	return send(ctx, c, request{ep: epSearchModels, path: "/models", token: tok, query: q.values()}, readListAnswer)
}

// ModelFilters reads the catalogue's sorts, types, base models and features (GET /models/filters).
func (c *Client) ModelFilters(ctx context.Context, tok Token) (*Result[json.RawMessage], error) {
	return send(ctx, c, request{ep: epModelFilters, path: "/models/filters", token: tok}, passOn)
}

// ModelTags lists the catalogue's tags (GET /models/tags).
func (c *Client) ModelTags(ctx context.Context, tok Token) (*Result[List], error) {
	return send(ctx, c, request{ep: epModelTags, path: "/models/tags", token: tok}, readListAnswer)
}

// ModelProviders lists the catalogue's providers (GET /models/providers).
func (c *Client) ModelProviders(ctx context.Context, tok Token) (*Result[List], error) {
	return send(ctx, c, request{ep: epModelProviders, path: "/models/providers", token: tok}, readListAnswer)
}

// GetModel reads one model, with a JSON Schema per endpoint under parameters
// (GET /models/{modelId}). modelID is a string such as "flux".
func (c *Client) GetModel(ctx context.Context, tok Token, modelID string) (*Result[json.RawMessage], error) {
	switch modelID {
	case "filters", "tags", "providers":
		// /models/filters etc. are other endpoints: the answer would not be a model.
		return nil, &InvalidParamError{Name: "model_id", Problem: `"` + modelID + `" names the catalogue's ` + modelID + ` list, not a model; use that action instead`}
	}
	path, err := strPath("/models/", "model_id", modelID, "")
	if err != nil {
		return nil, err
	}
	return send(ctx, c, request{ep: epGetModel, path: path, token: tok}, passOn)
}
