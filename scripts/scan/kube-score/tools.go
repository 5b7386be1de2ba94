//go:build tools

// Package tools pins kube-score's main package so that `go mod tidy` keeps github.com/zegl/kube-score and resolves
// every module `go build github.com/zegl/kube-score/cmd/kube-score` needs.
package tools

import (
	_ "github.com/zegl/kube-score/cmd/kube-score"
)
