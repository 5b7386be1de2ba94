//go:build tools

// Package tools pins the Pulumi CLI's main package as a dependency of this module so that `go mod tidy` keeps
// github.com/pulumi/pulumi/pkg/v3 and resolves every module `go build .../pkg/v3/cmd/pulumi` needs.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
