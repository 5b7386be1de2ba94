// Command dashboards strictly decodes Grafana dashboard JSON files with the Apache-2.0 Grafana Foundation SDK
// (github.com/grafana/grafana-foundation-sdk/go): unknown fields and wrong types are errors, then the model's own
// Validate() runs. The panel plugins used and the Prometheus query are registered, so panel options and targets are
// decoded strictly too. Usage: go run . observability/grafana/*.json
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/gauge"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// allowedPanels are the panel plugins the Loom dashboards use; their options are decoded strictly. Registering only
// these (not the SDK's RegisterDefaultPlugins, ~40 packages) keeps a cold build short.
var allowedPanels = map[string]bool{"timeseries": true, "stat": true, "gauge": true, "bargauge": true}

// failed reports a real error: the SDK returns its error list as a typed nil when there is none.
func failed(err error) bool {
	if errs, ok := err.(cog.BuildErrors); ok {
		return len(errs) > 0
	}
	return err != nil
}

func check(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var d dashboard.Dashboard
	if err := d.UnmarshalJSONStrict(raw); failed(err) {
		return fmt.Errorf("strict decode: %w", err)
	}
	if err := d.Validate(); failed(err) {
		return fmt.Errorf("validate: %w", err)
	}
	// Read the types from the raw JSON: v0.0.22's PanelOrRowPanel drops the decoded panel when its (typed nil)
	// error list is empty, so d.Panels holds no Panel values after a clean decode.
	var shape struct {
		Panels []struct {
			Type string `json:"type"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &shape); err != nil {
		return err
	}
	for i, p := range shape.Panels {
		if !allowedPanels[p.Type] {
			return fmt.Errorf("panels[%d]: type %q is not one of %v", i, p.Type, allowedPanels)
		}
	}
	if d.Uid == nil || *d.Uid == "" || d.SchemaVersion < 36 || len(d.Panels) == 0 {
		return fmt.Errorf("uid, schemaVersion >= 36 (Grafana 10) and panels are required")
	}
	return nil
}

func main() {
	runtime := cog.NewRuntime()
	runtime.RegisterPanelcfgVariant(timeseries.VariantConfig())
	runtime.RegisterPanelcfgVariant(stat.VariantConfig())
	runtime.RegisterPanelcfgVariant(gauge.VariantConfig())
	runtime.RegisterPanelcfgVariant(bargauge.VariantConfig())
	runtime.RegisterDataqueryVariant(prometheus.VariantConfig())
	failed := 0
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL %s: %v\n", path, err)
			failed++
			continue
		}
		fmt.Printf("ok   %s\n", path)
	}
	if failed > 0 || len(os.Args) < 2 {
		os.Exit(1)
	}
}
