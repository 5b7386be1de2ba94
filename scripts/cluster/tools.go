//go:build tools

// Package tools pins the control plane's main packages as dependencies of this module so that `go mod tidy` keeps
// k8s.io/kubernetes and resolves every module `go build k8s.io/kubernetes/cmd/...` needs.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
