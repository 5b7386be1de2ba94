// Command pulumi-language-nodejs is our own, minimal Pulumi language host for Node.js programs and policy packs.
//
// Why it exists: upstream's host lives in its own Go module
// (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) that has no release tags and that the Go
// module proxy reachable here does not serve at any version (every request, even the version list, is refused), so
// it cannot be built. Everything a host needs is in modules that are served: the gRPC contract
// (sdk/v3/proto/go), the server helpers (sdk/v3/go/common/util/rpcutil) and the policy-pack proxy (sdk/v3's
// PolicyProxy). The Node.js side — @pulumi/pulumi's cmd/run and cmd/run-policy-pack — comes from the program's own
// node_modules, exactly as with upstream's host.
//
// What it implements (see docs/engine.md for the contract and the differences from upstream):
//   - Handshake, GetPluginInfo, About, GetProgramDependencies (empty), GetRequiredPlugins/GetRequiredPackages
//     (empty: providers are resolved lazily, from $PATH, when the program first registers a resource of theirs);
//   - Run: `node [nodeargs] <@pulumi/pulumi/cmd/run> --monitor … <entry point>` with PULUMI_CONFIG,
//     PULUMI_CONFIG_SECRET_KEYS and the TypeScript settings in the environment; exit code 32 means "already
//     reported" (bail);
//   - RunPlugin: policy packs (kind analyzer) through @pulumi/pulumi/cmd/run-policy-pack behind sdk.PolicyProxy,
//     which hands the pack the stack's organization/project/stack/config; other plugin kinds through cmd/run-plugin;
//   - InstallDependencies: `npm install` (or the project's packagemanager) in the requested directory.
//
// Everything else (code generation, packing, linking, templates) answers Unimplemented.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// exitAfterUserActionableMessage is the exit code @pulumi/pulumi's runner uses when it has already printed an
// error the user can act on; the engine should then stop without adding its own message.
const exitAfterUserActionableMessage = 32

func main() {
	// The engine launches language hosts as `pulumi-language-nodejs [--logtostderr] [-v=N] [--tracing URL]
	// <engine address>`. --logtostderr and -v are glog's flags (registered by the sdk's logging package, which
	// this binary links); the others are accepted and ignored.
	for _, name := range []string{"logtostderr", "typescript"} {
		if flag.Lookup(name) == nil {
			flag.Bool(name, false, "accepted for compatibility; ignored")
		}
	}
	for _, name := range []string{"v", "tracing", "root"} {
		if flag.Lookup(name) == nil {
			flag.String(name, "", "accepted for compatibility; ignored")
		}
	}
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(),
			"usage: %s [flags] <engine address>\n\nPulumi language host for Node.js (loom-infra's own build, %s).\n"+
				"Started by the pulumi CLI; prints the port of its gRPC server on stdout.\n\n",
			filepath.Base(os.Args[0]), version.Version)
		flag.PrintDefaults()
	}
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}

	host := &nodeHost{}
	if flag.NArg() > 0 {
		host.engineAddress = flag.Arg(flag.NArg() - 1)
	}

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "fatal: could not start the language host's gRPC server: %v\n", err)
		os.Exit(1)
	}
	// The engine reads the port from the first line of stdout.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "fatal: language host stopped serving: %v\n", err)
		os.Exit(1)
	}
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	engineAddress string
}

func (h *nodeHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: strings.TrimPrefix(version.Version, "v")}, nil
}

// GetRequiredPlugins and GetRequiredPackages report nothing. Upstream walks node_modules and reports every package
// with `"pulumi": {"resource": true}` — in a repo that installs five cloud SDKs, that makes the engine demand five
// provider plugins before running a stack that uses one, which fails when automatic plugin acquisition is off.
// Reporting nothing lets the engine load exactly the providers the program registers resources with.
func (h *nodeHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *nodeHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *nodeHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *nodeHost) About(ctx context.Context, _ *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{
		Executable: node,
		Version:    strings.TrimPrefix(strings.TrimSpace(string(out)), "v"),
		Metadata:   map[string]string{"languageHost": "loom-infra minimal nodejs host " + version.Version},
	}, nil
}

func (h *nodeHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}

// runtimeOptions are the `runtime.options` of Pulumi.yaml / PulumiPolicy.yaml that matter to running a program.
type runtimeOptions struct {
	typescript     bool
	tsconfig       string
	nodeargs       []string
	packagemanager string
}

func parseOptions(info *pulumirpc.ProgramInfo) (runtimeOptions, error) {
	opts := runtimeOptions{typescript: true, packagemanager: "npm"}
	if info == nil || info.GetOptions() == nil {
		return opts, nil
	}
	m := info.GetOptions().AsMap()
	if v, ok := m["typescript"]; ok {
		b, ok := v.(bool)
		if !ok {
			return opts, fmt.Errorf("runtime option typescript must be a boolean, got %v", v)
		}
		opts.typescript = b
	}
	if v, ok := m["tsconfig"].(string); ok {
		opts.tsconfig = v
	}
	if v, ok := m["nodeargs"].(string); ok && strings.TrimSpace(v) != "" {
		// Plain whitespace splitting: quoted arguments are not supported by this host.
		opts.nodeargs = strings.Fields(v)
	}
	if v, ok := m["packagemanager"].(string); ok && v != "" && v != "auto" {
		opts.packagemanager = v
	}
	return opts, nil
}

// locateModule resolves a module specifier (e.g. @pulumi/pulumi/cmd/run) the way Node would from dir.
func locateModule(ctx context.Context, node, dir, module string) (string, error) {
	cmd := exec.CommandContext(ctx, node, "-e", "console.log(require.resolve(process.argv[1]))", module)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("could not find %s from %s; have the program's dependencies been installed "+
			"(npm install)? %w: %s", module, dir, err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

func programDirectory(info *pulumirpc.ProgramInfo, pwd string) string {
	if info != nil && info.GetProgramDirectory() != "" {
		return info.GetProgramDirectory()
	}
	return pwd
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return nil, err
	}
	dir := programDirectory(req.GetInfo(), req.GetPwd())
	runPath, err := locateModule(ctx, node, dir, "@pulumi/pulumi/cmd/run")
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}

	entry := "."
	if req.GetInfo().GetEntryPoint() != "" {
		entry = req.GetInfo().GetEntryPoint()
	} else if req.GetProgram() != "" {
		entry = req.GetProgram()
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress)
	flagArg("organization", req.GetOrganization())
	flagArg("project", req.GetProject())
	flagArg("root-directory", req.GetInfo().GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", dir)
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretKeysJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("serializing secret config keys: %w", err)
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeysJSON))
	env = append(env, typescriptEnv(opts)...)

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = dir
	cmd.Env = env
	// The engine reads this process's stdout/stderr and shows them as the program's output.
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			if exitErr.ExitCode() == exitAfterUserActionableMessage {
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
			}, nil
		}
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Problem executing program (could not run node): %v", err),
		}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

func typescriptEnv(opts runtimeOptions) []string {
	var env []string
	if opts.typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if opts.tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+opts.tsconfig)
	}
	return env
}

func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	ctx := server.Context()
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("could not find node on the $PATH: %w", err)
	}
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return err
	}
	dir := programDirectory(req.GetInfo(), req.GetPwd())

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	analyzer := req.GetKind() == "analyzer"
	module := "@pulumi/pulumi/cmd/run-plugin"
	if analyzer {
		module = "@pulumi/pulumi/cmd/run-policy-pack"
	}
	runPath, err := locateModule(ctx, node, dir, module)
	if err != nil {
		return err
	}

	args := append([]string{}, opts.nodeargs...)
	args = append(args, runPath)
	if analyzer {
		// run-policy-pack takes <engine address> <program directory>.
		args = append(args, req.GetArgs()...)
		args = append(args, dir)
	} else {
		args = append(args, dir)
		args = append(args, req.GetArgs()...)
	}

	env := append([]string{}, req.GetEnv()...)
	if len(env) == 0 {
		env = os.Environ()
	}
	env = append(env, typescriptEnv(opts)...)

	// Policy packs written with @pulumi/policy expect the stack's identity and config in their environment, but
	// the engine sends those over gRPC (ConfigureStack) after the plugin has started. sdk.PolicyProxy answers the
	// engine first, collects the configuration, and then proxies to the real pack once it has started.
	var proxy *sdk.PolicyProxy
	if analyzer {
		proxy, stdout, err = sdk.NewPolicyProxy(ctx, stdout)
		if err != nil {
			return fmt.Errorf("could not start the policy pack proxy: %w", err)
		}
		cfg, err := proxy.AwaitConfiguration(ctx)
		if err != nil {
			return fmt.Errorf("could not get the stack configuration for the policy pack: %w", err)
		}
		if cfg != nil {
			add := func(k, v string) {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			add("PULUMI_NODEJS_ORGANIZATION", cfg.GetOrganization())
			add("PULUMI_NODEJS_PROJECT", cfg.GetProject())
			add("PULUMI_NODEJS_STACK", cfg.GetStack())
			add("PULUMI_NODEJS_DRY_RUN", strconv.FormatBool(cfg.GetDryRun()))
			if cfg.GetConfig() != nil {
				b, err := json.Marshal(cfg.GetConfig())
				if err != nil {
					return fmt.Errorf("serializing stack configuration: %w", err)
				}
				add("PULUMI_CONFIG", string(b))
			}
		}
	}

	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	// Policy packs have always run from their own directory; other plugins from the engine's working directory.
	if analyzer || req.GetPwd() == "" {
		cmd.Dir = dir
	} else {
		cmd.Dir = req.GetPwd()
	}

	if err := cmd.Start(); err != nil {
		if proxy != nil {
			proxy.Abort(err)
		}
		return fmt.Errorf("could not start node: %w", err)
	}
	if proxy != nil {
		// Attach reads the pack's port from its stdout, connects, forwards the stack configuration and then waits
		// for the process to exit.
		err = proxy.Attach(ctx, cmd)
	} else {
		err = cmd.Wait()
	}
	if err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("Plugin exited with non-zero exit code: %d", exitErr.ExitCode())
		}
		return err
	}
	return closer.Close()
}

func (h *nodeHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	opts, err := parseOptions(req.GetInfo())
	if err != nil {
		return err
	}
	dir := programDirectory(req.GetInfo(), req.GetDirectory())
	if req.GetInfo().GetRootDirectory() != "" && req.GetInfo().GetProgramDirectory() == "" {
		dir = req.GetInfo().GetRootDirectory()
	}
	pm, err := exec.LookPath(opts.packagemanager)
	if err != nil {
		return fmt.Errorf("could not find %s on the $PATH: %w", opts.packagemanager, err)
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	fmt.Fprintf(stdout, "$ %s install (in %s)\n", opts.packagemanager, dir)
	cmd := exec.CommandContext(server.Context(), pm, "install")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s install failed: %w", opts.packagemanager, err)
	}
	return closer.Close()
}

// RuntimeOptionsPrompts is asked by `pulumi new`; there is nothing to ask.
func (h *nodeHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}
