package sandbox_test

import (
	"testing"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/upstream"
)

func modelIDs(t *testing.T, l upstream.List) []string {
	var ids []string
	for _, it := range l.Items {
		ids = append(ids, at(t, it, "model_id").(string))
	}
	return ids
}

func TestModelCatalogue(t *testing.T) {
	a := newAcct(t)
	first := must(a.c.SearchModels(a.ctx, a.tok, upstream.ModelSearchQuery{}))(t)
	l := first.Data
	if len(l.Items) != 20 || *l.Total != 36 || !l.More || l.NextPage != 2 {
		t.Fatalf("page 1: %d items, total %v, more %v, next %d", len(l.Items), *l.Total, l.More, l.NextPage)
	}
	second := must(a.c.SearchModels(a.ctx, a.tok, upstream.ModelSearchQuery{Page: l.NextPage}))(t).Data
	if len(second.Items) != 16 || second.More {
		t.Errorf("page 2: %d items, more %v", len(second.Items), second.More)
	}
	// Recommended: the featured models first.
	if ids := modelIDs(t, l); ids[0] != "flux" {
		t.Errorf("first %v", ids[:3])
	}

	for _, tc := range []struct {
		q    upstream.ModelSearchQuery
		want []string
	}{
		{upstream.ModelSearchQuery{Provider: "alibaba", ModelType: "text-to-video", Sort: "newest"}, []string{"wan-2.2-t2v", "wan-2.1-t2v"}},
		{upstream.ModelSearchQuery{Tags: "anime,illustration", Sort: "name"}, []string{"anything-v5", "pony-diffusion-v6-xl"}},
		{upstream.ModelSearchQuery{Search: "LLAMA", Sort: "popular"}, []string{"meta-llama-3.1-8b-instruct", "meta-llama-3.3-70b-instruct"}},
		{upstream.ModelSearchQuery{Feature: "llmaster", ModelSubcategory: "reasoning", Sort: "latest"}, []string{"gpt-oss-120b", "qwen3-32b", "deepseek-r1"}},
		{upstream.ModelSearchQuery{BaseModel: "flux", ModelType: "image-to-image"}, []string{"flux-kontext-dev"}},
		{upstream.ModelSearchQuery{Feature: "video_fusion", PerPage: 3, Sort: "most-used"}, []string{"seedance-t2v", "veo-3", "seedance-i2v"}},
		{upstream.ModelSearchQuery{Search: "nothing like this"}, nil},
	} {
		got := modelIDs(t, must(a.c.SearchModels(a.ctx, a.tok, tc.q))(t).Data)
		if len(got) != len(tc.want) {
			t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("%+v: %v, want %v", tc.q, got, tc.want)
				break
			}
		}
	}
	for _, q := range []upstream.ModelSearchQuery{{Sort: "cheapest"}, {PerPage: 101}} {
		_, err := a.c.SearchModels(a.ctx, a.tok, q)
		wantAPIError(t, err, 422, "validation_error")
	}

	f := must(a.c.ModelFilters(a.ctx, a.tok))(t)
	if feats := at(t, f.Raw, "features").([]any); len(feats) != 4 {
		t.Errorf("features %v", feats)
	}
	tags := must(a.c.ModelTags(a.ctx, a.tok))(t).Data
	provs := must(a.c.ModelProviders(a.ctx, a.tok))(t).Data
	if len(tags.Items) < 20 || len(provs.Items) < 10 {
		t.Errorf("%d tags, %d providers", len(tags.Items), len(provs.Items))
	}
}

func TestModelDetail(t *testing.T) {
	a := newAcct(t)
	for id, endpoint := range map[string]string{
		"flux": "/api/v6/images/text2img", "seedance-i2v": "/api/v7/video-fusion/image-to-video",
		"deepseek-r1": "/api/v7/llm/chat/completions", "eleven-multilingual-v2": "/api/v6/voice/text_to_speech",
	} {
		res := must(a.c.GetModel(a.ctx, a.tok, id))(t)
		params := at(t, res.Raw, "parameters").(map[string]any)
		schema, ok := params[endpoint].(map[string]any)
		if !ok || schema["type"] != "object" || schema["properties"] == nil {
			t.Errorf("%s: parameters %v", id, params)
		}
	}
	_, err := a.c.GetModel(a.ctx, a.tok, "no such model?")
	wantAPIError(t, err, 404, "not_found")
	_, err = a.c.GetModel(a.ctx, a.login("usage:read"), "flux")
	wantAPIError(t, err, 403, "insufficient_scope")
}
