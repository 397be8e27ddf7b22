package schemas

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var wantNames = []string{"agent-api-keys", "agent-auth", "agent-billing", "agent-models", "agent-profile", "agent-subscriptions",
	"agent-teams", "agent-tokens", "agent-usage", "agent-wallet"}

func TestSchemaNames(t *testing.T) {
	if got := Names(); !reflect.DeepEqual(got, wantNames) {
		t.Fatalf("Names() = %v, want %v", got, wantNames)
	}
	for _, bad := range []string{"", "agent-auth.json", "../schemas/agent-auth", "./agent-auth", "nope"} {
		if _, ok := Tool(bad); ok {
			t.Errorf("Tool(%q) found a schema", bad)
		}
	}
}

func TestSchemaToolReturnsCopy(t *testing.T) {
	a, _ := Tool("agent-auth")
	a[0] = 'X'
	b, _ := Tool("agent-auth")
	if b[0] == 'X' {
		t.Fatal("Tool returned shared bytes")
	}
}

// allowedPropKeywords are the keywords the tools validator interprets;
// anything else would be silently ignored by it (NewValidator rejects it too).
var allowedPropKeywords = map[string]bool{
	"type": true, "description": true, "enum": true, "format": true, "pattern": true, "minimum": true,
	"maximum": true, "maxLength": true, "items": true, "maxItems": true,
}

func TestSchemaShape(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			raw, _ := Tool(name)
			if !json.Valid(raw) {
				t.Fatal("invalid JSON")
			}
			var root map[string]any
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			if err := dec.Decode(&root); err != nil {
				t.Fatal(err)
			}
			wantRoot := []string{"additionalProperties", "properties", "required", "type"}
			var keys []string
			for k := range root {
				keys = append(keys, k)
			}
			if !sameSet(keys, wantRoot) {
				// Also rules out oneOf/allOf/anyOf/if/$ref/$schema at the root.
				t.Errorf("root keys = %v, want exactly %v", keys, wantRoot)
			}
			if root["type"] != "object" || root["additionalProperties"] != false {
				t.Errorf("root must be type object with additionalProperties false")
			}
			if !reflect.DeepEqual(root["required"], []any{"action"}) {
				t.Errorf("required = %v, want [action]", root["required"])
			}
			props, _ := root["properties"].(map[string]any)
			action, _ := props["action"].(map[string]any)
			if action["type"] != "string" {
				t.Errorf("action must be a string")
			}
			enum, _ := action["enum"].([]any)
			if len(enum) == 0 {
				t.Errorf("action must have an enum")
			}
			actionDesc, _ := action["description"].(string)
			for _, a := range enum {
				if !bytes.Contains([]byte(actionDesc), []byte(a.(string)+":")) {
					t.Errorf("action description does not describe %q (want %q)", a, a.(string)+":")
				}
			}
			for pname, p := range props {
				pm, ok := p.(map[string]any)
				if !ok {
					t.Errorf("%s: not an object", pname)
					continue
				}
				for k := range pm {
					if !allowedPropKeywords[k] {
						t.Errorf("%s: keyword %q is not interpreted by the validator", pname, k)
					}
				}
				if d, _ := pm["description"].(string); len(d) < 20 {
					t.Errorf("%s: missing or too short description", pname)
				}
				switch pm["type"] {
				case "string":
					if _, ok := pm["enum"]; !ok && pm["maxLength"] == nil {
						t.Errorf("%s: string without maxLength", pname)
					}
				case "array":
					if pm["items"] == nil || pm["maxItems"] == nil {
						t.Errorf("%s: array needs items and maxItems", pname)
					}
					if it, _ := pm["items"].(map[string]any); it["type"] == "string" && it["enum"] == nil && it["maxLength"] == nil {
						t.Errorf("%s: string items without maxLength", pname)
					}
				case "integer", "number", "boolean":
				default:
					t.Errorf("%s: unexpected type %v", pname, pm["type"])
				}
			}
		})
	}
}

func TestSchemaCompilesDraft2020(t *testing.T) {
	for _, name := range Names() {
		raw, _ := Tool(name)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft2020)
		c.AssertFormat()
		url := "mem://" + name + ".json"
		if err := c.AddResource(url, doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sch, err := c.Compile(url)
		if err != nil {
			t.Fatalf("%s: does not compile: %v", name, err)
		}
		// Sanity: the compiled schema enforces the root rules.
		for _, bad := range []string{`{}`, `{"action":"nope"}`, `{"action":1}`, `{"action":"` + firstAction(t, raw) + `","zzz":1}`} {
			inst, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(bad)))
			if sch.Validate(inst) == nil {
				t.Errorf("%s: schema accepts %s", name, bad)
			}
		}
		ok, _ := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(`{"action":"` + firstAction(t, raw) + `"}`)))
		if err := sch.Validate(ok); err != nil {
			t.Errorf("%s: schema rejects a bare first action: %v", name, err)
		}
	}
}

func firstAction(t *testing.T, raw []byte) string {
	t.Helper()
	var s struct {
		Properties struct {
			Action struct {
				Enum []string `json:"enum"`
			} `json:"action"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &s); err != nil || len(s.Properties.Action.Enum) == 0 {
		t.Fatalf("no action enum: %v", err)
	}
	return s.Properties.Action.Enum[0]
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}
