package sandbox

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// model is one entry of the catalogue.
type model struct {
	ID, Name, Provider, Feature, ModelType, Subcategory, BaseModel string
	Tags                                                           []string
	Popularity, AgeDays                                            int
	Featured                                                       bool
	Price                                                          float64 // USD per call (per 1k tokens for LLMs)
}

// catalogue is built on first use: a server that never lists models should
// not pay for it at start-up.
var catalogue = sync.OnceValue(func() []model {
	type row struct {
		id, name, provider, feature, typ, sub, base, tags string
		pop, age                                          int
		featured                                          bool
		price                                             float64
	}
	rows := []row{
		{"flux", "FLUX.1 [dev]", "black-forest-labs", "imagen", "text-to-image", "official", "flux", "realistic,photography,featured", 9800, 300, true, 0.03},
		{"flux-pro", "FLUX 1.1 [pro]", "black-forest-labs", "imagen", "text-to-image", "official", "flux", "realistic,photography,premium", 7600, 200, true, 0.05},
		{"flux-schnell", "FLUX.1 [schnell]", "black-forest-labs", "imagen", "text-to-image", "official", "flux", "fast", 6900, 300, false, 0.005},
		{"flux-kontext-dev", "FLUX.1 Kontext [dev]", "black-forest-labs", "imagen", "image-to-image", "official", "flux", "editing,consistent-characters", 5400, 120, false, 0.03},
		{"sdxl", "Stable Diffusion XL 1.0", "stability-ai", "imagen", "text-to-image", "official", "sdxl", "general,art", 8800, 800, false, 0.01},
		{"sd3.5-large", "Stable Diffusion 3.5 Large", "stability-ai", "imagen", "text-to-image", "official", "sd3", "general,text-rendering", 4200, 250, false, 0.035},
		{"sdxl-inpainting", "SDXL Inpainting", "stability-ai", "imagen", "inpainting", "official", "sdxl", "editing", 3100, 700, false, 0.01},
		{"realistic-vision-v6", "Realistic Vision V6.0 B1", "modelslab", "imagen", "text-to-image", "community", "sd1.5", "realistic,portrait,photography", 7300, 600, false, 0.01},
		{"juggernaut-xl-v10", "Juggernaut XL v10", "modelslab", "imagen", "text-to-image", "community", "sdxl", "realistic,cinematic", 6100, 400, false, 0.01},
		{"dreamshaper-8", "DreamShaper 8", "modelslab", "imagen", "text-to-image", "community", "sd1.5", "fantasy,art", 5800, 650, false, 0.01},
		{"anything-v5", "Anything V5", "modelslab", "imagen", "text-to-image", "community", "sd1.5", "anime,illustration", 5100, 900, false, 0.01},
		{"pony-diffusion-v6-xl", "Pony Diffusion V6 XL", "modelslab", "imagen", "text-to-image", "community", "sdxl", "anime,cartoon,illustration", 4900, 500, false, 0.01},
		{"qwen-image", "Qwen-Image", "alibaba", "imagen", "text-to-image", "official", "qwen-image", "text-rendering,general", 3900, 60, false, 0.025},
		{"imagen-4", "Imagen 4", "google", "imagen", "text-to-image", "official", "imagen", "realistic,premium", 4500, 90, false, 0.04},
		{"seedream-4", "Seedream 4.0", "bytedance", "imagen", "image-to-image", "official", "seedream", "realistic,editing", 4800, 45, false, 0.03},
		{"seedance-t2v", "Seedance 1.0 Pro (text to video)", "bytedance", "video_fusion", "text-to-video", "official", "seedance", "cinematic,featured", 6200, 110, true, 0.80},
		{"seedance-i2v", "Seedance 1.0 Pro (image to video)", "bytedance", "video_fusion", "image-to-video", "official", "seedance", "cinematic,animation", 5200, 110, false, 0.80},
		{"wan-2.1-t2v", "Wan 2.1 (text to video)", "alibaba", "video_fusion", "text-to-video", "official", "wan", "open-weights", 4700, 240, false, 0.60},
		{"wan-2.1-i2v", "Wan 2.1 (image to video)", "alibaba", "video_fusion", "image-to-video", "official", "wan", "open-weights,animation", 4400, 240, false, 0.80},
		{"wan-2.2-t2v", "Wan 2.2 (text to video)", "alibaba", "video_fusion", "text-to-video", "official", "wan", "open-weights,cinematic", 3600, 70, false, 0.70},
		{"kling-v2.1-i2v", "Kling 2.1 (image to video)", "kling-ai", "video_fusion", "image-to-video", "official", "kling", "cinematic,animation,premium", 5000, 100, false, 1.20},
		{"hailuo-02", "Hailuo 02", "minimax", "video_fusion", "text-to-video", "official", "hailuo", "cinematic", 3300, 80, false, 0.90},
		{"veo-3", "Veo 3", "google", "video_fusion", "text-to-video", "official", "veo", "cinematic,audio,premium,featured", 5900, 75, true, 2.00},
		{"ltx-video", "LTX-Video 0.9.7", "lightricks", "video_fusion", "text-to-video", "official", "ltx", "fast,open-weights", 2100, 150, false, 0.20},
		{"eleven-multilingual-v2", "Eleven Multilingual v2", "elevenlabs", "audio_gen", "text-to-speech", "tts", "eleven", "voice,multilingual", 5600, 400, false, 0.03},
		{"xtts-v2", "XTTS v2 (voice cloning)", "coqui", "audio_gen", "text-to-speech", "tts", "xtts", "voice,voice-cloning,open-weights", 3400, 500, false, 0.02},
		{"musicgen", "MusicGen", "meta", "audio_gen", "text-to-music", "music", "musicgen", "music,open-weights", 3000, 700, false, 0.088},
		{"whisper-large-v3", "Whisper large-v3", "openai", "audio_gen", "speech-to-text", "stt", "whisper", "transcription,multilingual,open-weights", 3700, 600, false, 0.006},
		{"sound-effects", "Sound Effects", "elevenlabs", "audio_gen", "text-to-audio", "sfx", "eleven", "sfx", 1800, 300, false, 0.05},
		{"meta-llama-3.1-8b-instruct", "Llama 3.1 8B Instruct", "meta", "llmaster", "chat", "instruct", "llama-3.1", "chat,fast,open-weights", 6700, 450, false, 0.0005},
		{"meta-llama-3.3-70b-instruct", "Llama 3.3 70B Instruct", "meta", "llmaster", "chat", "instruct", "llama-3.3", "chat,open-weights", 5300, 250, false, 0.0009},
		{"deepseek-r1", "DeepSeek R1", "deepseek", "llmaster", "chat", "reasoning", "deepseek", "reasoning,open-weights,featured", 6400, 200, true, 0.0015},
		{"deepseek-v3", "DeepSeek V3", "deepseek", "llmaster", "chat", "instruct", "deepseek", "chat,coding,open-weights", 5000, 230, false, 0.001},
		{"qwen3-32b", "Qwen3 32B", "alibaba", "llmaster", "chat", "reasoning", "qwen3", "chat,reasoning,multilingual,open-weights", 3900, 120, false, 0.0008},
		{"mistral-small-3.1", "Mistral Small 3.1 24B", "mistral", "llmaster", "chat", "instruct", "mistral", "chat,vision,open-weights", 2800, 210, false, 0.0006},
		{"gpt-oss-120b", "gpt-oss-120b", "openai", "llmaster", "chat", "reasoning", "gpt-oss", "reasoning,coding,open-weights", 4100, 40, false, 0.0012},
	}
	out := make([]model, len(rows))
	for i, r := range rows {
		out[i] = model{ID: r.id, Name: r.name, Provider: r.provider, Feature: r.feature, ModelType: r.typ, Subcategory: r.sub,
			BaseModel: r.base, Tags: strings.Split(r.tags, ","), Popularity: r.pop, AgeDays: r.age, Featured: r.featured, Price: r.price}
	}
	return out
})

// providerNames are the providers' display names.
func providerName(id string) string {
	switch id {
	case "black-forest-labs":
		return "Black Forest Labs"
	case "stability-ai":
		return "Stability AI"
	case "modelslab":
		return "ModelsLab community"
	case "kling-ai":
		return "Kling AI"
	case "minimax":
		return "MiniMax"
	case "elevenlabs":
		return "ElevenLabs"
	case "openai":
		return "OpenAI"
	case "deepseek":
		return "DeepSeek"
	case "bytedance":
		return "ByteDance"
	}
	return strings.ToUpper(id[:1]) + id[1:]
}

// sorts are the accepted sort values. Decision: the docs disagree
// (recommended/newest/popular vs latest/most-used): the sandbox takes both
// spellings, plus name and oldest.
var sorts = [...]string{"recommended", "newest", "latest", "popular", "most-used", "oldest", "name"}

// createdAt is the model's date, relative to now (the catalogue is timeless).
func (md model) createdAt(now time.Time) time.Time { return now.AddDate(0, 0, -md.AgeDays) }

func (md model) summary(now time.Time) map[string]any {
	return map[string]any{"model_id": md.ID, "name": md.Name, "provider": md.Provider, "feature": md.Feature,
		"model_type": md.ModelType, "model_subcategory": md.Subcategory, "base_model": md.BaseModel, "tags": md.Tags,
		"featured": md.Featured, "usage_count": md.Popularity, "created_at": iso(md.createdAt(now))}
}

// GET /models: search, feature, provider, model_type, model_subcategory,
// base_model, tags (comma-separated or tags[]: all must match), sort,
// per_page (1-100, default 20), page.
func (s *Sandbox) searchModels(c *call) response {
	q := c.r.URL.Query()
	v := newValidator(fields{})
	sortBy := q.Get("sort")
	if sortBy == "" {
		sortBy = "recommended"
	}
	if !contains(sorts[:], sortBy) {
		v.add("sort", "The selected sort is invalid ("+strings.Join(sorts[:], ", ")+").")
	}
	perPage := queryInt(v, q.Get("per_page"), "per_page", 20, 1, 100)
	page := queryInt(v, q.Get("page"), "page", 1, 1, 1<<20)
	if v.failed() {
		return v.result()
	}
	var tags []string
	for _, t := range append(strings.Split(q.Get("tags"), ","), q["tags[]"]...) {
		if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
			tags = append(tags, t)
		}
	}
	search := strings.ToLower(strings.TrimSpace(q.Get("search")))
	eq := func(want, got string) bool { return want == "" || strings.EqualFold(strings.TrimSpace(want), got) }
	var hits []model
	for _, md := range catalogue() {
		if !eq(q.Get("feature"), md.Feature) || !eq(q.Get("provider"), md.Provider) || !eq(q.Get("model_type"), md.ModelType) ||
			!eq(q.Get("model_subcategory"), md.Subcategory) || !eq(q.Get("base_model"), md.BaseModel) {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(md.ID+" "+md.Name+" "+md.Provider+" "+strings.Join(md.Tags, " ")), search) {
			continue
		}
		all := true
		for _, t := range tags {
			all = all && contains(md.Tags, t)
		}
		if all {
			hits = append(hits, md)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i], hits[j]
		switch sortBy {
		case "newest", "latest":
			return a.AgeDays < b.AgeDays
		case "oldest":
			return a.AgeDays > b.AgeDays
		case "popular", "most-used":
			return a.Popularity > b.Popularity
		case "name":
			return strings.ToLower(a.Name) < strings.ToLower(b.Name)
		}
		if a.Featured != b.Featured {
			return a.Featured
		}
		return a.Popularity > b.Popularity
	})
	page0 := pageOf(hits, (page-1)*perPage, perPage)
	items := make([]map[string]any, len(page0))
	for i, md := range page0 {
		items[i] = md.summary(c.now)
	}
	last := max(1, (len(hits)+perPage-1)/perPage)
	var next any
	if page < last {
		nq := url.Values{}
		for k, vs := range q {
			nq[k] = vs
		}
		nq.Set("page", strconv.Itoa(page+1))
		next = APIPrefix + "/models?" + nq.Encode()
	}
	return ok(map[string]any{"items": items, "count": len(items), "total": len(hits), "current_page": page,
		"last_page": last, "per_page": perPage, "next_page_url": next})
}

// distinct lists the distinct values of a field, sorted.
func distinct(f func(model) string) []string {
	seen := map[string]bool{}
	var out []string
	for _, md := range catalogue() {
		if v := f(md); !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// GET /models/filters.
func (s *Sandbox) modelFilters(c *call) response {
	return ok(map[string]any{
		"sorts":               sorts,
		"features":            distinct(func(m model) string { return m.Feature }),
		"model_types":         distinct(func(m model) string { return m.ModelType }),
		"model_subcategories": distinct(func(m model) string { return m.Subcategory }),
		"base_models":         distinct(func(m model) string { return m.BaseModel }),
		"providers":           distinct(func(m model) string { return m.Provider }),
	})
}

// GET /models/tags: every tag with its number of models.
func (s *Sandbox) modelTags(c *call) response {
	count := map[string]int{}
	for _, md := range catalogue() {
		for _, t := range md.Tags {
			count[t]++
		}
	}
	items := make([]map[string]any, 0, len(count))
	for _, t := range sortedKeys(count) {
		items = append(items, map[string]any{"tag": t, "model_count": count[t]})
	}
	return ok(map[string]any{"items": items, "count": len(items)})
}

// GET /models/providers.
func (s *Sandbox) modelProviders(c *call) response {
	count := map[string]int{}
	for _, md := range catalogue() {
		count[md.Provider]++
	}
	items := make([]map[string]any, 0, len(count))
	for _, p := range sortedKeys(count) {
		items = append(items, map[string]any{"provider": p, "name": providerName(p), "model_count": count[p]})
	}
	return ok(map[string]any{"items": items, "count": len(items)})
}

// GET /models/{modelId}: the model with a JSON Schema per endpoint under
// parameters.
func (s *Sandbox) getModel(c *call) response {
	for _, md := range catalogue() {
		if md.ID != c.str {
			continue
		}
		out := md.summary(c.now)
		endpoint, schema := modelSchema(md)
		out["description"] = md.Name + " by " + providerName(md.Provider) + ": " + strings.ReplaceAll(md.ModelType, "-", " ") + "."
		out["endpoints"] = []string{endpoint}
		out["parameters"] = map[string]any{endpoint: schema}
		unit := "call"
		if md.Feature == "llmaster" {
			unit = "1k tokens"
		}
		out["pricing"] = map[string]any{"price": md.Price, "currency": currency, "unit": unit}
		return ok(out)
	}
	return fail(404, "not_found", "No model "+c.str+" in the catalogue: search models first.", nil)
}

// modelSchema is the request schema of the model's generation endpoint.
func modelSchema(md model) (string, map[string]any) {
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	intRange := func(lo, hi, def int) map[string]any {
		return map[string]any{"type": "integer", "minimum": lo, "maximum": hi, "default": def}
	}
	obj := func(required []string, props map[string]any) map[string]any {
		props["model_id"] = map[string]any{"type": "string", "const": md.ID}
		props["key"] = str("Your ModelsLab API key (agent-api-keys).")
		return map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
			"required": append([]string{"key", "model_id"}, required...), "properties": props, "additionalProperties": true}
	}
	image := func() map[string]any {
		return map[string]any{"prompt": str("What to draw."), "negative_prompt": str("What to avoid."),
			"width": intRange(256, 1536, 1024), "height": intRange(256, 1536, 1024), "samples": intRange(1, 4, 1),
			"num_inference_steps": intRange(1, 50, 30), "guidance_scale": map[string]any{"type": "number", "minimum": 1, "maximum": 20, "default": 7.5},
			"seed": map[string]any{"type": "integer"}, "safety_checker": map[string]any{"type": "boolean", "default": true}}
	}
	switch md.ModelType {
	case "text-to-image":
		return "/api/v6/images/text2img", obj([]string{"prompt"}, image())
	case "image-to-image":
		p := image()
		p["init_image"] = map[string]any{"type": "string", "format": "uri", "description": "The image to start from."}
		p["strength"] = map[string]any{"type": "number", "minimum": 0, "maximum": 1, "default": 0.7}
		return "/api/v6/images/img2img", obj([]string{"prompt", "init_image"}, p)
	case "inpainting":
		p := image()
		p["init_image"] = map[string]any{"type": "string", "format": "uri"}
		p["mask_image"] = map[string]any{"type": "string", "format": "uri", "description": "White where to paint."}
		return "/api/v6/images/inpaint", obj([]string{"prompt", "init_image", "mask_image"}, p)
	case "text-to-video", "image-to-video":
		p := map[string]any{"prompt": str("What happens."), "negative_prompt": str("What to avoid."),
			"duration":     map[string]any{"type": "integer", "enum": []int{5, 10}, "default": 5},
			"resolution":   map[string]any{"type": "string", "enum": []string{"480p", "720p", "1080p"}, "default": "720p"},
			"aspect_ratio": map[string]any{"type": "string", "enum": []string{"16:9", "9:16", "1:1"}, "default": "16:9"},
			"seed":         map[string]any{"type": "integer"}}
		if md.ModelType == "image-to-video" {
			p["init_image"] = map[string]any{"type": "string", "format": "uri", "description": "The first frame."}
			return "/api/v7/video-fusion/image-to-video", obj([]string{"prompt", "init_image"}, p)
		}
		return "/api/v7/video-fusion/text-to-video", obj([]string{"prompt"}, p)
	case "text-to-speech":
		return "/api/v6/voice/text_to_speech", obj([]string{"text"}, map[string]any{"text": str("What to say."),
			"voice_id": str("A voice from the voice list."), "language": str("e.g. english"),
			"speed": map[string]any{"type": "number", "minimum": 0.5, "maximum": 2, "default": 1}})
	case "text-to-music", "text-to-audio":
		return "/api/v6/voice/music_gen", obj([]string{"prompt"}, map[string]any{"prompt": str("The sound or music to make."),
			"duration": intRange(5, 30, 10)})
	case "speech-to-text":
		return "/api/v6/voice/speech_to_text", obj([]string{"audio_url"}, map[string]any{
			"audio_url": map[string]any{"type": "string", "format": "uri"}, "language": str("Optional: the spoken language.")})
	}
	return "/api/v7/llm/chat/completions", obj([]string{"messages"}, map[string]any{
		"messages": map[string]any{"type": "array", "minItems": 1, "items": map[string]any{"type": "object", "required": []string{"role", "content"},
			"properties": map[string]any{"role": map[string]any{"type": "string", "enum": []string{"system", "user", "assistant"}}, "content": str("")}}},
		"max_tokens":  intRange(1, 32768, 1024),
		"temperature": map[string]any{"type": "number", "minimum": 0, "maximum": 2, "default": 0.7},
		"stream":      map[string]any{"type": "boolean", "default": false}})
}
