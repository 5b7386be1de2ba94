// Command re2-oracle applies redaction rules with Go's regexp package, the RE2 engine the OpenTelemetry
// Collector's OTTL replace_pattern uses (compiledPattern.ReplaceAllString), so tests/secrets/log-redaction.spec.ts
// can compare the JavaScript oracle with the real engine. Reads {"rules":[{"pattern","replacement"}],"lines":[…]}
// on stdin; writes {"lines":[…]} (each line after every rule, in order), or exits 2 naming a pattern RE2 refuses.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
)

type rule struct {
	Pattern     string `json:"pattern"`
	Replacement string `json:"replacement"`
}

type input struct {
	Rules []rule   `json:"rules"`
	Lines []string `json:"lines"`
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "re2-oracle: bad input:", err)
		os.Exit(2)
	}
	compiled := make([]*regexp.Regexp, len(in.Rules))
	for i, r := range in.Rules {
		re, err := regexp.Compile(r.Pattern)
		if err != nil {
			fmt.Fprintf(os.Stderr, "re2-oracle: RE2 refuses %q: %v\n", r.Pattern, err)
			os.Exit(2)
		}
		compiled[i] = re
	}
	out := make([]string, len(in.Lines))
	for i, line := range in.Lines {
		for j, re := range compiled {
			line = re.ReplaceAllString(line, in.Rules[j].Replacement)
		}
		out[i] = line
	}
	if err := json.NewEncoder(os.Stdout).Encode(map[string][]string{"lines": out}); err != nil {
		fmt.Fprintln(os.Stderr, "re2-oracle:", err)
		os.Exit(2)
	}
}
