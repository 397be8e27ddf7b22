package deploy

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The server's shutdown drain after the drain delay: HTTPOptions.ShutdownTimeout's
// default in server/http.go, unless the ConfigMap sets MODELSLAB_SHUTDOWN_TIMEOUT.
const defaultShutdownTimeout = 30 * time.Second

// The container image must be a pinned release tag or a digest.
var pinnedTag = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-.][0-9A-Za-z.-]+)?$`)

// serverContainer returns the Deployment's one container.
func serverContainer(t *testing.T, d *appsv1.Deployment) corev1.Container {
	t.Helper()
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("deployment has %d containers, want 1", len(cs))
	}
	return cs[0]
}

func containerPort(t *testing.T, c corev1.Container, name string) int32 {
	t.Helper()
	for _, p := range c.Ports {
		if p.Name == name {
			return p.ContainerPort
		}
	}
	t.Fatalf("container %s has no port named %q", c.Name, name)
	return 0
}

// resolvePort turns a named or numbered port into the container's port number (0 if none).
func resolvePort(c corev1.Container, p intstr.IntOrString) int32 {
	for _, cp := range c.Ports {
		if (p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal) {
			return cp.ContainerPort
		}
	}
	return 0
}

func addrPort(t *testing.T, key, addr string) int32 {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("ConfigMap %s=%q: %v", key, addr, err)
	}
	n, err := strconv.Atoi(port)
	if err != nil {
		t.Fatalf("ConfigMap %s=%q: port %v", key, addr, err)
	}
	return int32(n)
}

func TestDeploymentPolicy(t *testing.T) {
	r := render(t)
	d := r.deployment
	pod := d.Spec.Template.Spec
	c := serverContainer(t, d)

	if d.Spec.Replicas == nil || *d.Spec.Replicas != 3 {
		t.Errorf("replicas = %v, want 3", d.Spec.Replicas)
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("deployment selector %v does not match its pod labels %v (%v)", d.Spec.Selector, d.Spec.Template.Labels, err)
	}

	t.Run("image", func(t *testing.T) {
		for _, ic := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
			if !imagePinned(ic.Image) {
				t.Errorf("container %s: image %q is not pinned to a release tag or digest", ic.Name, ic.Image)
			}
		}
	})

	t.Run("probes", func(t *testing.T) {
		mcpPort := containerPort(t, c, "mcp")
		for _, p := range []struct {
			name  string
			probe *corev1.Probe
			path  string
		}{{"liveness", c.LivenessProbe, "/healthz"}, {"readiness", c.ReadinessProbe, "/readyz"}, {"startup", c.StartupProbe, "/healthz"}} {
			if p.probe == nil || p.probe.HTTPGet == nil {
				t.Errorf("%s probe: want an httpGet probe on %s", p.name, p.path)
				continue
			}
			g := p.probe.HTTPGet
			if g.Path != p.path || resolvePort(c, g.Port) != mcpPort {
				t.Errorf("%s probe: %s on port %s, want %s on the mcp port %d", p.name, g.Path, g.Port.String(), p.path, mcpPort)
			}
			// The Host/Origin guard refuses names it was not given; the kubelet
			// sends the pod IP unless told otherwise.
			if host := probeHost(g); host != "localhost" && host != "127.0.0.1" {
				t.Errorf("%s probe: Host header %q, want localhost (the server's DNS-rebinding guard refuses a pod IP)", p.name, host)
			}
		}
		if rp := c.ReadinessProbe; rp != nil && rp.FailureThreshold*rp.PeriodSeconds >= int32(drainDelay(t, r.configMap).Seconds()) {
			t.Errorf("readiness probe notices a drain after %ds, not within the drain delay %s",
				rp.FailureThreshold*rp.PeriodSeconds, drainDelay(t, r.configMap))
		}
	})

	t.Run("security", func(t *testing.T) {
		psc := pod.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Errorf("pod: runAsNonRoot must be true")
		}
		if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
			t.Errorf("pod: runAsUser 0")
		}
		podSeccomp := psc != nil && psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Errorf("pod: automountServiceAccountToken must be false (the server never calls the Kubernetes API)")
		}
		if pod.HostNetwork || pod.HostPID || pod.HostIPC {
			t.Errorf("pod: shares a host namespace")
		}
		for _, ic := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
			sc := ic.SecurityContext
			if sc == nil {
				t.Errorf("container %s: no securityContext", ic.Name)
				continue
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("container %s: allowPrivilegeEscalation must be false", ic.Name)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("container %s: readOnlyRootFilesystem must be true", ic.Name)
			}
			if sc.Privileged != nil && *sc.Privileged {
				t.Errorf("container %s: privileged", ic.Name)
			}
			if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				t.Errorf("container %s: runAsUser 0", ic.Name)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				t.Errorf("container %s: capabilities %+v, want drop [ALL] and nothing added", ic.Name, sc.Capabilities)
			}
			if !podSeccomp && (sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault) {
				t.Errorf("container %s: seccomp profile must be RuntimeDefault (pod or container)", ic.Name)
			}
		}
	})

	t.Run("resources", func(t *testing.T) {
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			req, okReq := c.Resources.Requests[res]
			lim, okLim := c.Resources.Limits[res]
			if !okReq || !okLim || req.IsZero() || lim.IsZero() {
				t.Errorf("%s: want both a request and a limit (request %v, limit %v)", res, req.String(), lim.String())
				continue
			}
			if req.Cmp(lim) > 0 {
				t.Errorf("%s: request %s above limit %s", res, req.String(), lim.String())
			}
		}
	})

	t.Run("grace period", func(t *testing.T) {
		drain := drainDelay(t, r.configMap)
		shutdown := defaultShutdownTimeout
		if v, ok := r.configMap.Data["MODELSLAB_SHUTDOWN_TIMEOUT"]; ok {
			if shutdown, err = time.ParseDuration(v); err != nil {
				t.Fatalf("MODELSLAB_SHUTDOWN_TIMEOUT=%q: %v", v, err)
			}
		}
		g := pod.TerminationGracePeriodSeconds
		if g == nil || time.Duration(*g)*time.Second <= drain+shutdown {
			t.Errorf("terminationGracePeriodSeconds = %v, want more than drain delay %s + shutdown drain %s", g, drain, shutdown)
		}
	})

	t.Run("settings", func(t *testing.T) {
		// Every setting from the ConfigMap; the session secret from the Secret, never inline.
		if !slices.ContainsFunc(c.EnvFrom, func(e corev1.EnvFromSource) bool {
			return e.ConfigMapRef != nil && e.ConfigMapRef.Name == r.configMap.Name
		}) {
			t.Errorf("container env does not come from ConfigMap %s", r.configMap.Name)
		}
		var fromSecret bool
		for _, e := range c.Env {
			if e.Name == "MODELSLAB_SESSION_SECRET" || e.Name == "MODELSLAB_AGENT_TOKEN" {
				ref := e.ValueFrom
				if e.Value != "" || ref == nil || ref.SecretKeyRef == nil {
					t.Errorf("%s must come from a Secret, not a literal value", e.Name)
					continue
				}
				if ref.SecretKeyRef.Name != r.secret.Name {
					t.Errorf("%s from Secret %q, want %q", e.Name, ref.SecretKeyRef.Name, r.secret.Name)
				}
				if _, ok := secretData(r.secret)[ref.SecretKeyRef.Key]; !ok {
					t.Errorf("%s: Secret %s has no key %q", e.Name, r.secret.Name, ref.SecretKeyRef.Key)
				}
				fromSecret = fromSecret || e.Name == "MODELSLAB_SESSION_SECRET"
			}
		}
		if !fromSecret {
			t.Errorf("MODELSLAB_SESSION_SECRET is not set from the Secret: replicas would not accept each other's session ids")
		}
		if got, want := addrPort(t, "MODELSLAB_ADDR", r.configMap.Data["MODELSLAB_ADDR"]), containerPort(t, c, "mcp"); got != want {
			t.Errorf("MODELSLAB_ADDR port %d, container port mcp %d", got, want)
		}
		if got, want := addrPort(t, "MODELSLAB_METRICS_ADDR", r.configMap.Data["MODELSLAB_METRICS_ADDR"]), containerPort(t, c, "metrics"); got != want {
			t.Errorf("MODELSLAB_METRICS_ADDR port %d, container port metrics %d", got, want)
		}
		if a := d.Spec.Template.Annotations["prometheus.io/port"]; a != strconv.Itoa(int(containerPort(t, c, "metrics"))) {
			t.Errorf("prometheus.io/port annotation %q, want the metrics port", a)
		}
	})
}

func imagePinned(image string) bool {
	if _, digest, ok := strings.Cut(image, "@"); ok {
		return regexp.MustCompile(`^sha256:[0-9a-f]{64}$`).MatchString(digest)
	}
	name := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && pinnedTag.MatchString(tag)
}

func TestImagePinnedRule(t *testing.T) {
	for image, want := range map[string]bool{
		"modelslab-agents-mcp:v0.1.0":                       true,
		"registry.example.com:5000/team/mcp:1.2.3":          true,
		"registry.example.com:5000/team/mcp":                false,
		"modelslab-agents-mcp":                              false,
		"modelslab-agents-mcp:latest":                       false,
		"modelslab-agents-mcp:main":                         false,
		"mcp@sha256:" + strings.Repeat("ab", 32):            true,
		"mcp:v1.0.0@sha256:" + strings.Repeat("0", 64):      true,
		"mcp@sha256:short":                                  false,
		"mcp:v1.0.0-rc.1":                                   true,
		"ghcr.io/modelslab-agents-mcp/modelslab-agents-mcp": false,
	} {
		if got := imagePinned(image); got != want {
			t.Errorf("imagePinned(%q) = %v, want %v", image, got, want)
		}
	}
}

func probeHost(g *corev1.HTTPGetAction) string {
	for _, h := range g.HTTPHeaders {
		if strings.EqualFold(h.Name, "Host") {
			return h.Value
		}
	}
	return g.Host
}

func drainDelay(t *testing.T, cm *corev1.ConfigMap) time.Duration {
	t.Helper()
	v, ok := cm.Data["MODELSLAB_DRAIN_DELAY"]
	if !ok {
		t.Fatalf("ConfigMap %s sets no MODELSLAB_DRAIN_DELAY: without it a pod stops before endpoints drop it", cm.Name)
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("MODELSLAB_DRAIN_DELAY=%q: want a positive duration (%v)", v, err)
	}
	return d
}

func secretData(s *corev1.Secret) map[string]string {
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	for k, v := range s.StringData {
		out[k] = v
	}
	return out
}

// TestSecretIsAPlaceholder: the committed Secret must never hold a real value.
func TestSecretIsAPlaceholder(t *testing.T) {
	r := render(t)
	data := secretData(r.secret)
	if len(data) == 0 {
		t.Fatalf("Secret %s has no data", r.secret.Name)
	}
	for k, v := range data {
		if !strings.HasPrefix(v, "REPLACE-ME") {
			t.Errorf("Secret %s key %s: committed value is not the REPLACE-ME placeholder; keep real secrets out of git", r.secret.Name, k)
		}
	}
}

// TestConfigMapSettingsExist: each key is an environment variable the binary
// reads (a misspelt one would be ignored without a word), and the Host
// allow-list names the Service, as in-cluster clients reach it.
func TestConfigMapSettingsExist(t *testing.T) {
	r := render(t)
	src := commandSource(t)
	for k := range r.configMap.Data {
		if !strings.Contains(src, strconv.Quote(k)) {
			t.Errorf("ConfigMap key %s: the server reads no such variable (cmd/modelslab-agents-mcp)", k)
		}
	}
	hosts := strings.Split(r.configMap.Data["MODELSLAB_ALLOWED_HOSTS"], ",")
	svc := r.service.Name
	for _, h := range []string{svc, svc + "." + r.service.Namespace + ".svc", svc + "." + r.service.Namespace + ".svc.cluster.local"} {
		if !slices.Contains(hosts, h) {
			t.Errorf("MODELSLAB_ALLOWED_HOSTS lacks %s: in-cluster clients would get 403", h)
		}
	}
}

// commandSource is the command's non-test Go source, where every variable it reads is named.
func commandSource(t *testing.T) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "cmd", "modelslab-agents-mcp", "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("cannot read the command's source (%v)", err)
	}
	var b strings.Builder
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

func TestServicePDBAndHPA(t *testing.T) {
	r := render(t)
	d := r.deployment
	c := serverContainer(t, d)
	podLabels := labels.Set(d.Spec.Template.Labels)

	// Service: selects the pods, every target port exists, no affinity needed.
	if len(r.service.Spec.Selector) == 0 || !labels.SelectorFromSet(r.service.Spec.Selector).Matches(podLabels) {
		t.Errorf("service selector %v does not select the pods (%v)", r.service.Spec.Selector, podLabels)
	}
	var servesMCP bool
	for _, p := range r.service.Spec.Ports {
		n := resolvePort(c, p.TargetPort)
		if n == 0 {
			t.Errorf("service port %s targets %s, which the container does not expose", p.Name, p.TargetPort.String())
		}
		servesMCP = servesMCP || n == containerPort(t, c, "mcp")
	}
	if !servesMCP {
		t.Errorf("service does not route to the mcp port")
	}

	// PDB: selects the pods and leaves at least one up.
	sel, err := metav1.LabelSelectorAsSelector(r.pdb.Spec.Selector)
	if err != nil || sel.Empty() || !sel.Matches(podLabels) {
		t.Errorf("PDB selector %v does not select the pods (%v)", r.pdb.Spec.Selector, err)
	}
	replicas := int(*d.Spec.Replicas)
	switch {
	case r.pdb.Spec.MaxUnavailable != nil:
		if n, err := intstr.GetScaledValueFromIntOrPercent(r.pdb.Spec.MaxUnavailable, replicas, true); err != nil || n < 1 || n >= replicas {
			t.Errorf("PDB maxUnavailable %s: want between 1 and %d pods", r.pdb.Spec.MaxUnavailable.String(), replicas-1)
		}
	case r.pdb.Spec.MinAvailable != nil:
		if n, err := intstr.GetScaledValueFromIntOrPercent(r.pdb.Spec.MinAvailable, replicas, true); err != nil || n < 1 || n >= replicas {
			t.Errorf("PDB minAvailable %s: want between 1 and %d pods (a drain must be able to proceed)", r.pdb.Spec.MinAvailable.String(), replicas-1)
		}
	default:
		t.Errorf("PDB sets neither maxUnavailable nor minAvailable")
	}

	// HPA: scales this Deployment, never below its replica count, on a
	// resource the container requests.
	h := r.hpa
	if ref := h.Spec.ScaleTargetRef; ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || ref.Name != d.Name {
		t.Errorf("HPA targets %s %s %s, want apps/v1 Deployment %s", ref.APIVersion, ref.Kind, ref.Name, d.Name)
	}
	if h.Spec.MinReplicas == nil || int(*h.Spec.MinReplicas) < replicas || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
		t.Errorf("HPA replicas %v..%d, want from %d up", h.Spec.MinReplicas, h.Spec.MaxReplicas, replicas)
	}
	if len(h.Spec.Metrics) == 0 {
		t.Errorf("HPA has no metric")
	}
	for _, m := range h.Spec.Metrics {
		if m.Resource != nil {
			if _, ok := c.Resources.Requests[m.Resource.Name]; !ok {
				t.Errorf("HPA scales on %s utilisation, which the container does not request", m.Resource.Name)
			}
		}
	}
}

func TestNetworkPolicy(t *testing.T) {
	r := render(t)
	np := r.netpol
	c := serverContainer(t, r.deployment)
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	if err != nil || sel.Empty() || !sel.Matches(labels.Set(r.deployment.Spec.Template.Labels)) {
		t.Errorf("NetworkPolicy podSelector does not select the pods (%v)", err)
	}
	if !slices.Contains(np.Spec.PolicyTypes, "Ingress") || !slices.Contains(np.Spec.PolicyTypes, "Egress") {
		t.Errorf("policyTypes %v, want Ingress and Egress", np.Spec.PolicyTypes)
	}

	// Ingress: the MCP port; the metrics port only from a selected source; nothing else.
	mcp, metrics := containerPort(t, c, "mcp"), containerPort(t, c, "metrics")
	var mcpOpen bool
	for i, rule := range np.Spec.Ingress {
		if len(rule.Ports) == 0 {
			t.Errorf("ingress rule %d opens every port", i)
		}
		for _, p := range rule.Ports {
			switch resolvePort(c, *p.Port) {
			case mcp:
				mcpOpen = true
			case metrics:
				if len(rule.From) == 0 {
					t.Errorf("ingress rule %d opens the metrics port to everyone", i)
				}
			default:
				t.Errorf("ingress rule %d opens port %s, which is neither mcp nor metrics", i, p.Port.String())
			}
		}
	}
	if !mcpOpen {
		t.Errorf("no ingress rule opens the mcp port %d", mcp)
	}

	// Egress: DNS and HTTPS only.
	allowed := map[string]bool{"UDP/53": true, "TCP/53": true, "TCP/443": true}
	got := map[string]bool{}
	for i, rule := range np.Spec.Egress {
		if len(rule.Ports) == 0 {
			t.Errorf("egress rule %d allows every port", i)
		}
		for _, p := range rule.Ports {
			proto := corev1.ProtocolTCP
			if p.Protocol != nil {
				proto = *p.Protocol
			}
			key := string(proto) + "/" + p.Port.String()
			if !allowed[key] || p.EndPort != nil {
				t.Errorf("egress rule %d allows %s (end port %v): only DNS and HTTPS are wanted", i, key, p.EndPort)
			}
			got[key] = true
		}
	}
	for k := range allowed {
		if !got[k] {
			t.Errorf("egress does not allow %s", k)
		}
	}
}
