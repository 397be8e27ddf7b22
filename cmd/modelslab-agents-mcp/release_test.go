package main

// The release's descriptions of the server: the Claude Desktop bundle's
// manifest (mcpb/manifest.json) and the MCP Registry entry (server.json).
// Checks that need only Go always run; the registry's published schema and
// the packed bundle come from .ci/release.sh (MODELSLAB_REGISTRY_SCHEMA,
// MODELSLAB_MCPB, MODELSLAB_SERVER_JSON), and their tests skip without them.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/modelslab-agents-mcp/modelslab-agents-mcp/tools"
)

const (
	manifestPath   = "../../mcpb/manifest.json"
	serverJSONPath = "../../server.json"
	registryName   = "io.github.modelslab-agents-mcp/modelslab-agents-mcp"
)

// bundleManifest is the part of an MCPB manifest (v0.3) these tests read.
type bundleManifest struct {
	ManifestVersion string `json:"manifest_version"`
	Name            string `json:"name"`
	Version         string `json:"version"`
	Server          struct {
		Type       string          `json:"type"`
		EntryPoint string          `json:"entry_point"`
		MCPConfig  bundleMCPConfig `json:"mcp_config"`
	} `json:"server"`
	Tools []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"tools"`
	Compatibility struct {
		Platforms []string `json:"platforms"`
	} `json:"compatibility"`
	UserConfig map[string]struct {
		Type      string `json:"type"`
		Required  bool   `json:"required"`
		Sensitive bool   `json:"sensitive"`
		Default   any    `json:"default"`
	} `json:"user_config"`
}

type bundleMCPConfig struct {
	Command           string                     `json:"command"`
	Args              []string                   `json:"args"`
	Env               map[string]string          `json:"env"`
	PlatformOverrides map[string]bundleMCPConfig `json:"platform_overrides"`
}

func readManifest(t *testing.T, data []byte) bundleManifest {
	t.Helper()
	var m bundleManifest
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	return m
}

// resolve is what the host does with mcp_config (MANIFEST.md, "Variable
// Substitution", and getMcpConfigForManifest in @anthropic-ai/mcpb): the
// platform's override replaces command/args/env, user values fall back to the
// manifest's defaults, booleans become "true"/"false", and ${__dirname} and
// ${user_config.KEY} are replaced. A variable without a value stays as written,
// as the reference implementation leaves it.
func resolve(m bundleManifest, platform, dir string, user map[string]any) bundleMCPConfig {
	c := m.Server.MCPConfig
	if o, ok := c.PlatformOverrides[platform]; ok {
		c.Command = cmpOr(o.Command, c.Command)
		if o.Args != nil {
			c.Args = o.Args
		}
		if o.Env != nil {
			c.Env = o.Env
		}
	}
	vars := map[string]string{"__dirname": dir}
	for k, uc := range m.UserConfig {
		v, ok := user[k]
		if !ok {
			v = uc.Default
		}
		if v != nil {
			vars["user_config."+k] = fmt.Sprint(v) // fmt prints bools as true/false
		}
	}
	sub := func(s string) string {
		for k, v := range vars {
			s = strings.ReplaceAll(s, "${"+k+"}", v)
		}
		return s
	}
	out := bundleMCPConfig{Command: sub(c.Command), Env: map[string]string{}}
	for _, a := range c.Args {
		out.Args = append(out.Args, sub(a))
	}
	for k, v := range c.Env {
		out.Env[k] = sub(v)
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// bundleBinary is where the bundle keeps each platform's binary (.ci/release.sh
// copies them there from goreleaser's dist/).
func bundleBinary(platform string) string {
	name := "server/" + platform + "/modelslab-agents-mcp"
	if platform == "win32" {
		name += ".exe"
	}
	return name
}

// TestBundleManifest checks mcpb/manifest.json against the server itself: the
// tools it lists are the tools the server declares, and what it runs on each
// platform is the stdio command with a token and sandbox the user may set.
func TestBundleManifest(t *testing.T) {
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, data)

	// The tools: each declared tool, in order, with the first line of its
	// description (the summary a person reads before installing).
	type entry struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	}
	var want, got []entry
	for _, s := range tools.Specs() {
		want = append(want, entry{s.Name, strings.SplitN(s.Description, "\n", 2)[0]})
	}
	for _, e := range m.Tools {
		got = append(got, entry(e))
	}
	if !slices.Equal(got, want) {
		block, _ := json.MarshalIndent(want, "  ", "  ")
		t.Errorf("mcpb/manifest.json's tools differ from the tools' declarations (tools/*.go); set them to:\n  \"tools\": %s", block)
	}

	if m.Server.Type != "binary" {
		t.Errorf("server.type = %q, want binary", m.Server.Type)
	}
	if !slices.Equal(m.Compatibility.Platforms, []string{"darwin", "win32", "linux"}) {
		t.Errorf("compatibility.platforms = %q", m.Compatibility.Platforms)
	}
	// The token is optional and a secret (the host keeps it in the keychain);
	// its default "" makes an unset token an empty variable rather than the
	// literal "${user_config.agent_token}", which the server would send as a token.
	tok, ok := m.UserConfig["agent_token"]
	if !ok || tok.Type != "string" || !tok.Sensitive || tok.Required || tok.Default != "" {
		t.Errorf("user_config.agent_token = %+v (present %v), want an optional sensitive string with default \"\"", tok, ok)
	}
	if sb, ok := m.UserConfig["sandbox"]; !ok || sb.Type != "boolean" || sb.Default != false {
		t.Errorf("user_config.sandbox = %+v (present %v), want a boolean defaulting to false", sb, ok)
	}
	// docs/release.md lists every question the bundle asks (toolsets was
	// once added to the manifest and not to the page).
	page, err := os.ReadFile("../../docs/release.md")
	if err != nil {
		t.Fatal(err)
	}
	for k := range m.UserConfig {
		if !strings.Contains(string(page), "\n- `"+k+"`: ") {
			t.Errorf("docs/release.md does not list the bundle's user_config %q under \"The bundle's manifest\"", k)
		}
	}

	for _, platform := range m.Compatibility.Platforms {
		dir := "/opt/bundle"
		c := resolve(m, platform, dir, map[string]any{"sandbox": true})
		if want := dir + "/" + bundleBinary(platform); c.Command != want {
			t.Errorf("%s: command %q, want %q", platform, c.Command, want)
		}
		if !slices.Equal(c.Args, []string{"stdio"}) {
			t.Errorf("%s: args %q, want [stdio]", platform, c.Args)
		}
		wantEnv := map[string]string{"MODELSLAB_AGENT_TOKEN": "", "MODELSLAB_SANDBOX": "true", "MODELSLAB_TOOLSETS": "default"}
		if fmt.Sprint(c.Env) != fmt.Sprint(wantEnv) {
			t.Errorf("%s: env %v with the token unset and the sandbox on, want %v", platform, c.Env, wantEnv)
		}
		withToken := resolve(m, platform, dir, map[string]any{"agent_token": "42|secret"})
		if withToken.Env["MODELSLAB_AGENT_TOKEN"] != "42|secret" || withToken.Env["MODELSLAB_SANDBOX"] != "false" {
			t.Errorf("%s: env %v with a token and the default sandbox", platform, withToken.Env)
		}
	}
	if m.Server.EntryPoint != bundleBinary("darwin") {
		t.Errorf("entry_point %q, want %q (the default command's binary)", m.Server.EntryPoint, bundleBinary("darwin"))
	}

	// The variables it sets are ones the server reads (the help lists them).
	// Each command's help lists the variables of its flags.
	help := ""
	for _, cmd := range []string{"stdio", "http"} {
		h, _, _ := runCmd(t, []string{"help", cmd}, env())
		help += h
	}
	for k := range m.Server.MCPConfig.Env {
		if !strings.Contains(help, k) {
			t.Errorf("mcp_config sets %s, which the server's help does not name", k)
		}
	}
}

// serverJSON is the part of server.json these tests cross-check.
type serverJSON struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Version     string `json:"version"`
	Packages    []struct {
		RegistryType string `json:"registryType"`
		Identifier   string `json:"identifier"`
		Version      string `json:"version"`
		FileSha256   string `json:"fileSha256"`
		Transport    struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"transport"`
		PackageArguments []struct {
			Value string `json:"value"`
		} `json:"packageArguments"`
		EnvironmentVariables []struct {
			Name     string `json:"name"`
			IsSecret bool   `json:"isSecret"`
		} `json:"environmentVariables"`
	} `json:"packages"`
}

// TestServerJSON checks server.json's facts against the repository: the name
// the image's label carries, one version with the bundle's, the bundle's
// release URL, the image tag, the subcommands and environment variables it
// names.
func TestServerJSON(t *testing.T) {
	data, err := os.ReadFile(serverJSONPath)
	if err != nil {
		t.Fatal(err)
	}
	var s serverJSON
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("server.json: %v", err)
	}
	mdata, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, mdata)
	checkServerJSON(t, s, m.Version)
	// The registry's schema caps it at 100 characters; that check needs
	// .ci/release.sh, this one runs everywhere.
	if n := utf8.RuneCountInString(s.Description); n == 0 || n > 100 {
		t.Errorf("server.json's description is %d characters long, want 1 to 100 (the registry's limit)", n)
	}

	// The registry's packages offer the settings the bundle asks for
	// (MODELSLAB_TOOLSETS was once only in the bundle); over HTTP the token is
	// a header instead.
	for _, p := range s.Packages {
		named := map[string]bool{}
		for _, e := range p.EnvironmentVariables {
			named[e.Name] = true
		}
		for k := range resolve(m, "linux", "/opt/bundle", nil).Env {
			if !named[k] && !(k == "MODELSLAB_AGENT_TOKEN" && p.Transport.Type == "streamable-http") {
				t.Errorf("server.json's %s/%s package does not offer %s, which the bundle sets", p.RegistryType, p.Transport.Type, k)
			}
		}
	}

	dockerfile, err := os.ReadFile("../../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dockerfile), `io.modelcontextprotocol.server.name="`+s.Name+`"`) {
		t.Errorf("the Dockerfile's io.modelcontextprotocol.server.name label is not %q (the registry checks the image against it)", s.Name)
	}

}

// TestServerJSONSchema validates server.json (and the copy .ci/release.sh
// stamps with the bundle's version and hash, MODELSLAB_SERVER_JSON) against
// the registry's published schema, MODELSLAB_REGISTRY_SCHEMA.
func TestServerJSONSchema(t *testing.T) {
	data, err := os.ReadFile(serverJSONPath)
	if err != nil {
		t.Fatal(err)
	}
	schemaPath := os.Getenv("MODELSLAB_REGISTRY_SCHEMA")
	if schemaPath == "" {
		t.Skip("the registry's schema check skipped: set MODELSLAB_REGISTRY_SCHEMA to server.schema.json (.ci/release.sh does)")
	}
	schema := compileRegistrySchema(t, schemaPath)
	files := map[string][]byte{"server.json": data}
	if p := os.Getenv("MODELSLAB_SERVER_JSON"); p != "" {
		stamped, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files[p] = stamped
	}
	for name, b := range files {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s is not valid against the registry's schema: %v", name, err)
		}
	}
}

func checkServerJSON(t *testing.T, s serverJSON, version string) {
	t.Helper()
	if s.Name != registryName {
		t.Errorf("name %q, want %q", s.Name, registryName)
	}
	if s.Version != version {
		t.Errorf("version %q, the bundle's manifest says %q", s.Version, version)
	}
	// Each command's help lists the variables of its flags.
	help := ""
	for _, cmd := range []string{"stdio", "http"} {
		h, _, _ := runCmd(t, []string{"help", cmd}, env())
		help += h
	}
	kinds := map[string]int{}
	for _, p := range s.Packages {
		kind := p.RegistryType + "/" + p.Transport.Type
		kinds[kind]++
		switch p.RegistryType {
		case "mcpb":
			want := "https://github.com/modelslab-agents-mcp/modelslab-agents-mcp/releases/download/v" + version + "/modelslab-agents-mcp.mcpb"
			if p.Identifier != want || p.Version != version {
				t.Errorf("mcpb package %q version %q, want %q version %q", p.Identifier, p.Version, want, version)
			}
			if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(p.FileSha256) {
				t.Errorf("mcpb package: fileSha256 %q is not a SHA-256 (the registry requires one)", p.FileSha256)
			}
		case "oci":
			if want := "ghcr.io/modelslab-agents-mcp/modelslab-agents-mcp:" + version; p.Identifier != want {
				t.Errorf("oci package %q, want %q", p.Identifier, want)
			}
			var args []string
			for _, a := range p.PackageArguments {
				args = append(args, a.Value)
			}
			wantCmd := map[string]string{"stdio": "stdio", "streamable-http": "http"}[p.Transport.Type]
			if !slices.Equal(args, []string{wantCmd}) {
				t.Errorf("%s: arguments %q, want [%s]", kind, args, wantCmd)
			}
			if p.Transport.Type == "streamable-http" && p.Transport.URL != "http://127.0.0.1:8080/mcp" {
				t.Errorf("%s: url %q, want the image's port published on loopback", kind, p.Transport.URL)
			}
		}
		for _, e := range p.EnvironmentVariables {
			if !strings.Contains(help, e.Name) {
				t.Errorf("%s: environment variable %s is not one the server reads", kind, e.Name)
			}
			if e.Name == "MODELSLAB_AGENT_TOKEN" && !e.IsSecret {
				t.Errorf("%s: MODELSLAB_AGENT_TOKEN must be isSecret", kind)
			}
		}
	}
	for _, k := range []string{"mcpb/stdio", "oci/stdio", "oci/streamable-http"} {
		if kinds[k] != 1 {
			t.Errorf("server.json has %d %s packages, want 1", kinds[k], k)
		}
	}
}

// compileRegistrySchema loads the registry's server.schema.json under its own
// $id, so the $schema URL in server.json names the file checked.
func compileRegistrySchema(t *testing.T, p string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", p, err)
	}
	id, _ := doc.(map[string]any)["$id"].(string)
	if id == "" {
		t.Fatalf("%s has no $id", p)
	}
	sdata, _ := os.ReadFile(serverJSONPath)
	var s struct {
		Schema string `json:"$schema"`
	}
	json.Unmarshal(sdata, &s)
	if s.Schema != id {
		t.Errorf("server.json's $schema is %q, the schema checked is %q", s.Schema, id)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(id, doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile(id)
	if err != nil {
		t.Fatalf("compile %s: %v", p, err)
	}
	return schema
}

// TestPackedBundle opens the .mcpb that .ci/release.sh packed (MODELSLAB_MCPB),
// runs its linux binary as the manifest says with the sandbox on and no token,
// and lists and calls the tools with the Go SDK's client.
func TestPackedBundle(t *testing.T) {
	bundle := os.Getenv("MODELSLAB_MCPB")
	if bundle == "" {
		t.Skip("skipped: set MODELSLAB_MCPB to a packed .mcpb (.ci/release.sh packs one with goreleaser's binaries and @anthropic-ai/mcpb)")
	}
	dir := t.TempDir()
	unzip(t, bundle, dir)
	mdata, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, mdata)
	repoData, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	repo := readManifest(t, repoData)
	if fmt.Sprint(m.Tools) != fmt.Sprint(repo.Tools) || fmt.Sprint(m.UserConfig) != fmt.Sprint(repo.UserConfig) ||
		fmt.Sprint(m.Server) != fmt.Sprint(repo.Server) {
		t.Errorf("the bundle's manifest differs from mcpb/manifest.json beyond its version")
	}
	// Every platform's binary is in the bundle, executable.
	for _, platform := range m.Compatibility.Platforms {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(bundleBinary(platform))))
		if err != nil {
			t.Errorf("%s: %v", platform, err)
		} else if fi.Mode()&0o111 == 0 {
			t.Errorf("%s: %s is not executable (%v)", platform, bundleBinary(platform), fi.Mode())
		}
	}

	c := resolve(m, "linux", dir, map[string]any{"sandbox": true})
	out, err := exec.Command(c.Command, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", c.Command, err)
	}
	if !strings.Contains(string(out), " v"+m.Version+" (commit ") || !strings.Contains(string(out), "linux/amd64") {
		t.Errorf("the bundled binary reports %q, want version v%s on linux/amd64", out, m.Version)
	}

	h := &harness{t: t, transport: "stdio", stderr: &lockedBuffer{}}
	cmd := exec.Command(c.Command, c.Args...)
	cmd.Env = childEnv()
	for k, v := range c.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = h.stderr
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := newClient(nil).Connect(ctx, &mcp.CommandTransport{Command: cmd, TerminateDuration: 2 * time.Second}, nil)
	if err != nil {
		t.Fatalf("connect to the bundled server: %v\nstderr:\n%s", err, h.stderr)
	}
	defer cs.Close()
	list, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names, want []string
	for _, tl := range list.Tools {
		names = append(names, tl.Name)
	}
	// The bundle's toolsets option defaults to the server's default toolsets.
	sets, err := tools.ExpandToolsets([]string{"default"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range tools.Specs() {
		if slices.Contains(sets, s.Toolset) {
			want = append(want, s.Name)
		}
	}
	slices.Sort(names)
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("the bundled server lists %q, want %q", names, want)
	}
	// The sandbox option reached the server: the demo account logs in.
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "agent-auth",
		Arguments: map[string]any{"action": "login", "email": demoEmail, "password": "sandbox-demo-password"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Errorf("sandbox login through the bundle failed: %+v\nstderr:\n%s", res.Content, h.stderr)
	}
}

func unzip(t *testing.T, src, dst string) {
	t.Helper()
	r, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range r.File {
		name := path.Clean(f.Name)
		if name == ".." || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			t.Fatalf("bundle entry %q escapes the folder", f.Name)
		}
		target := filepath.Join(dst, filepath.FromSlash(name))
		if f.FileInfo().IsDir() {
			os.MkdirAll(target, 0o755)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, f.Mode().Perm())
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(out, rc)
		rc.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}
