// Command pulumi-resource-kubernetes is our own entry point for the Pulumi Kubernetes provider.
//
// Upstream's cmd/pulumi-resource-kubernetes/main.go embeds schema-embed.json and terraform-mapping-embed.json,
// which its Makefile generates and which are therefore not part of the Go module. scripts/engine/build.sh
// generates the same two files here (git-ignored) from the module's schema.json and terraform-mapping.json (see
// scripts/engine/gen/provider-schema.go), and this main hands them to the provider's Serve (pkg/provider/serve.go),
// exactly like upstream's main. The version is set at link time (-X .../pkg/version.Version).
//
// This directory is a Go module of its own: see go.mod for why.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var pulumiSchema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, pulumiSchema, terraformMapping)
}
