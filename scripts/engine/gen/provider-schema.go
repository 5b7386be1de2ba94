//go:build ignore

// provider-schema writes the two files cmd/pulumi-resource-kubernetes embeds, from the provider module's sources:
//
//	go run gen/provider-schema.go <module dir> <version> <out dir>
//
// schema-embed.json is schema.json with "version" set (as upstream's generate.go does), compacted;
// terraform-mapping-embed.json is terraform-mapping.json compacted.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go run gen/provider-schema.go <module dir> <version> <out dir>")
		os.Exit(2)
	}
	src, version, out := os.Args[1], os.Args[2], os.Args[3]
	cmd := filepath.Join(src, "cmd", "pulumi-resource-kubernetes")

	raw, err := os.ReadFile(filepath.Join(cmd, "schema.json"))
	check(err)
	var spec map[string]json.RawMessage
	check(json.Unmarshal(raw, &spec))
	v, err := json.Marshal(version)
	check(err)
	spec["version"] = v
	schema, err := json.Marshal(spec)
	check(err)
	check(writeIfChanged(filepath.Join(out, "schema-embed.json"), schema))

	raw, err = os.ReadFile(filepath.Join(cmd, "terraform-mapping.json"))
	check(err)
	var compact bytes.Buffer
	check(json.Compact(&compact, raw))
	check(writeIfChanged(filepath.Join(out, "terraform-mapping-embed.json"), compact.Bytes()))
}

// writeIfChanged keeps the file's mtime when the content is the same, so go's build cache stays warm.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	return os.WriteFile(path, data, 0o644)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "provider-schema:", err)
		os.Exit(1)
	}
}
