// Package deploy holds the checks of the Kubernetes manifests in kubernetes/:
// every manifest decoded strictly into the Kubernetes API types, the
// kustomization rendered as `kubectl apply -k` would, and policy checks on
// what it renders. It is a Go module of its own so that the server's module
// graph does not carry k8s.io and kustomize; run it with
// `(cd deploy && go test ./...)`.
package deploy
