//go:build tools

// Package tools pins Trivy's main package so that `go mod tidy` keeps github.com/aquasecurity/trivy and resolves
// every module `go build github.com/aquasecurity/trivy/cmd/trivy` needs.
package tools

import (
	_ "github.com/aquasecurity/trivy/cmd/trivy"
)
