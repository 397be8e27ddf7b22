package deploy

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"sigs.k8s.io/kustomize/api/krusty"
	kustypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

const manifestDir = "kubernetes"

// scheme knows the API groups the manifests may use; any other kind is an error.
var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme,
		autoscalingv2.AddToScheme, networkingv1.AddToScheme,
	} {
		utilruntime.Must(add(s))
	}
	return s
}()

// decodeStrict decodes one YAML document into the typed object its apiVersion
// and kind name. Unknown fields, duplicate keys and values of the wrong type
// fail, as `kubectl apply --validate=strict` would.
func decodeStrict(doc []byte) (runtime.Object, error) {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return nil, err
	}
	if tm.APIVersion == "" || tm.Kind == "" {
		return nil, fmt.Errorf("document lacks apiVersion or kind")
	}
	obj, err := scheme.New(schema.FromAPIVersionAndKind(tm.APIVersion, tm.Kind))
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", tm.APIVersion, tm.Kind, err)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return nil, fmt.Errorf("%s %s: %w", tm.APIVersion, tm.Kind, err)
	}
	return obj, nil
}

// splitDocs splits a multi-document YAML file, dropping empty documents.
func splitDocs(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range bytes.Split(append([]byte("\n"), data...), []byte("\n---")) {
		if len(bytes.TrimSpace(stripComments(d))) > 0 {
			docs = append(docs, d)
		}
	}
	return docs
}

func stripComments(d []byte) []byte {
	var out [][]byte
	for _, line := range bytes.Split(d, []byte("\n")) {
		if !bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			out = append(out, line)
		}
	}
	return bytes.Join(out, []byte("\n"))
}

// manifestFiles lists the YAML files in kubernetes/ other than the kustomization.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(manifestDir)
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "kustomization.yaml" {
			continue
		}
		if ext := filepath.Ext(name); ext == ".yaml" || ext == ".yml" {
			files = append(files, name)
		} else {
			t.Errorf("%s/%s: not a .yaml file; keep only manifests here", manifestDir, name)
		}
	}
	return files
}

func TestEveryManifestDecodesStrictly(t *testing.T) {
	for _, name := range manifestFiles(t) {
		data, err := os.ReadFile(filepath.Join(manifestDir, name))
		if err != nil {
			t.Fatal(err)
		}
		docs := splitDocs(data)
		if len(docs) == 0 {
			t.Errorf("%s: no document", name)
		}
		for i, doc := range docs {
			if _, err := decodeStrict(doc); err != nil {
				t.Errorf("%s document %d: %v", name, i+1, err)
			}
		}
	}
}

// TestStrictDecodingRejects guards the guard: a misspelt field, a duplicate
// key, a wrong type and an unknown kind must each fail.
func TestStrictDecodingRejects(t *testing.T) {
	base, err := os.ReadFile(filepath.Join(manifestDir, "pdb.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"misspelt field": strings.Replace(string(base), "maxUnavailable:", "maxUnavailabel:", 1),
		"duplicate key":  strings.Replace(string(base), "  maxUnavailable: 1\n", "  maxUnavailable: 1\n  maxUnavailable: 2\n", 1),
		"wrong type":     strings.Replace(string(base), "unhealthyPodEvictionPolicy: AlwaysAllow", "unhealthyPodEvictionPolicy: [AlwaysAllow]", 1),
		"unknown kind":   strings.Replace(string(base), "kind: PodDisruptionBudget", "kind: PodDisruptionBudgets", 1),
		"unknown group":  strings.Replace(string(base), "apiVersion: policy/v1", "apiVersion: policy/v1beta7", 1),
	}
	for name, doc := range cases {
		if doc == string(base) {
			t.Fatalf("%s: the replacement did not apply; update this test with pdb.yaml", name)
		}
		if _, err := decodeStrict([]byte(doc)); err == nil {
			t.Errorf("%s: decoded without error", name)
		}
	}
	if _, err := decodeStrict(base); err != nil {
		t.Errorf("unchanged pdb.yaml: %v", err)
	}
}

// TestKustomizationListsEveryManifest: decoded strictly into kustomize's own
// type, its resources are exactly the files here, each once.
func TestKustomizationListsEveryManifest(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(manifestDir, "kustomization.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var k kustypes.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		t.Fatalf("kustomization.yaml: %v", err)
	}
	if k.Kind != kustypes.KustomizationKind || k.APIVersion != kustypes.KustomizationVersion {
		t.Errorf("kustomization.yaml: %s %s, want %s %s", k.APIVersion, k.Kind, kustypes.KustomizationVersion, kustypes.KustomizationKind)
	}
	files := manifestFiles(t)
	listed := map[string]int{}
	for _, r := range k.Resources {
		listed[r]++
		if listed[r] == 2 {
			t.Errorf("kustomization.yaml lists %s twice", r)
		}
		if !slices.Contains(files, r) {
			t.Errorf("kustomization.yaml lists %s, which is not a manifest in %s/", r, manifestDir)
		}
	}
	for _, f := range files {
		if listed[f] == 0 {
			t.Errorf("%s/%s is not in kustomization.yaml's resources: kubectl apply -k would skip it", manifestDir, f)
		}
	}
}

// rendered is the output of `kustomize build kubernetes`, decoded strictly.
type rendered struct {
	namespace  *corev1.Namespace
	deployment *appsv1.Deployment
	service    *corev1.Service
	configMap  *corev1.ConfigMap
	secret     *corev1.Secret
	pdb        *policyv1.PodDisruptionBudget
	hpa        *autoscalingv2.HorizontalPodAutoscaler
	netpol     *networkingv1.NetworkPolicy
	all        []metav1.Object
}

// render runs kustomize in process, as `kubectl apply -k` does, and decodes
// each resulting object strictly.
func render(t *testing.T) *rendered {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), manifestDir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", manifestDir, err)
	}
	out := &rendered{}
	seen := map[string]bool{}
	for _, res := range m.Resources() {
		doc, err := res.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj, err := decodeStrict(doc)
		if err != nil {
			t.Fatalf("rendered %s: %v", res.CurId(), err)
		}
		kind := fmt.Sprintf("%T", obj)
		if seen[kind] {
			t.Fatalf("more than one %s rendered; the checks assume one of each", kind)
		}
		seen[kind] = true
		switch o := obj.(type) {
		case *corev1.Namespace:
			out.namespace = o
		case *appsv1.Deployment:
			out.deployment = o
		case *corev1.Service:
			out.service = o
		case *corev1.ConfigMap:
			out.configMap = o
		case *corev1.Secret:
			out.secret = o
		case *policyv1.PodDisruptionBudget:
			out.pdb = o
		case *autoscalingv2.HorizontalPodAutoscaler:
			out.hpa = o
		case *networkingv1.NetworkPolicy:
			out.netpol = o
		default:
			t.Fatalf("rendered %s, which no check covers", kind)
		}
		out.all = append(out.all, obj.(metav1.Object))
	}
	for name, missing := range map[string]bool{
		"Namespace": out.namespace == nil, "Deployment": out.deployment == nil, "Service": out.service == nil,
		"ConfigMap": out.configMap == nil, "Secret": out.secret == nil, "PodDisruptionBudget": out.pdb == nil,
		"HorizontalPodAutoscaler": out.hpa == nil, "NetworkPolicy": out.netpol == nil,
	} {
		if missing {
			t.Fatalf("kustomize build renders no %s", name)
		}
	}
	return out
}

func TestRenderedObjectsShareTheNamespace(t *testing.T) {
	r := render(t)
	ns := r.namespace.Name
	if got := r.namespace.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("namespace %s: pod-security enforce = %q, want restricted", ns, got)
	}
	for _, o := range r.all {
		if _, isNS := o.(*corev1.Namespace); isNS {
			continue
		}
		if o.GetNamespace() != ns {
			t.Errorf("%T %s is in namespace %q, want %q", o, o.GetName(), o.GetNamespace(), ns)
		}
	}
}
