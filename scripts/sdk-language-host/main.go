// A small Pulumi language host for making SDKs and running Node.js and Go programs, used where the
// Go module proxy does not serve Pulumi's own nodejs, go and python hosts (Pulumi's releases ship
// those; where Pulumi is installed normally they do this same job, and this host is not used).
//
// One binary, three names; the name it is started as says the language:
//
//	pulumi-language-nodejs  GeneratePackage (Node.js SDK) and Run: a `runtime: nodejs` program,
//	                        through @pulumi/pulumi's own run script, found in the program's
//	                        node_modules (TypeScript is compiled by it, with ts-node)
//	pulumi-language-go      GeneratePackage (Go SDK) and Run: a `runtime: go` program, built with
//	                        `go build` into a temporary folder and run with the engine's settings
//	                        in the environment, as the Go SDK reads them
//	pulumi-language-python  GeneratePackage (Python SDK) only; it is never put where the engine
//	                        would use it to run a Python program (scripts/install-pulumi-cli.sh
//	                        keeps it in a folder of its own, for `pulumi package gen-sdk`)
//
// The code generators are those of github.com/pulumi/pulumi/pkg/v3 (codegen/nodejs, codegen/go,
// codegen/python), at the CLI's release. It does not install dependencies, report required
// plugins (a project names them in Pulumi.yaml's `plugins:`), answer `pulumi about` or convert
// programs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

var version = "0.0.0"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	language string // nodejs, go or python: from the name this binary was started as
	engine   string // the engine's gRPC address
}

func main() {
	name := filepath.Base(os.Args[0])
	h := &host{language: strings.TrimPrefix(name, "pulumi-language-")}
	switch h.language {
	case "nodejs", "go", "python":
	default:
		fmt.Fprintf(os.Stderr, "%s: start me as pulumi-language-nodejs, -go or -python\n", name)
		os.Exit(2)
	}
	// The engine passes optional flags (--logtostderr, -v=N, --tracing ADDR) and then its own
	// address as the last argument.
	if n := len(os.Args); n > 1 && !strings.HasPrefix(os.Args[n-1], "-") {
		h.engine = os.Args[n-1]
	}
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: could not start the gRPC server: %v\n", name, err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port) // the engine reads the port from the first line
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

func (h *host) Handshake(ctx context.Context, req *pulumirpc.LanguageHandshakeRequest) (*pulumirpc.LanguageHandshakeResponse, error) {
	if a := req.GetEngineAddress(); a != "" {
		h.engine = a
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *host) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// No plugins are announced up front: the engine loads the ones resources ask for, from
// Pulumi.yaml's `plugins:` or PATH.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// GeneratePackage writes the SDK of the request's schema into its directory.
func (h *host) GeneratePackage(ctx context.Context, req *pulumirpc.GeneratePackageRequest) (*pulumirpc.GeneratePackageResponse, error) {
	loader, err := schema.NewLoaderClient(req.GetLoaderTarget())
	if err != nil {
		return nil, err
	}
	defer loader.Close()
	var spec schema.PackageSpec
	if err := json.Unmarshal([]byte(req.GetSchema()), &spec); err != nil {
		return nil, fmt.Errorf("the schema is not valid JSON: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, loader, schema.ValidationOptions{})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("the schema does not bind: %s", diags.Error())
	}
	const tool = "pulumi-agents SDK host"
	var files map[string][]byte
	switch h.language {
	case "nodejs":
		files, err = nodejsgen.GeneratePackage(tool, pkg, req.GetExtraFiles(), req.GetLocalDependencies(), req.GetLocal(), loader)
	case "go":
		files, err = gogen.GeneratePackage(tool, pkg, req.GetLocalDependencies())
	case "python":
		files, err = pythongen.GeneratePackage(tool, pkg, req.GetExtraFiles(), loader)
	}
	if err != nil {
		return nil, err
	}
	root := req.GetDirectory()
	for name, data := range files {
		path := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, err
		}
	}
	return &pulumirpc.GeneratePackageResponse{}, nil
}

// runScript finds @pulumi/pulumi's run script in the node_modules of dir or of a folder above it.
func runScript(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		script := filepath.Join(d, "node_modules", "@pulumi", "pulumi", "cmd", "run")
		if _, err := os.Stat(filepath.Join(script, "index.js")); err == nil {
			return script, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("@pulumi/pulumi is not installed in %s or a folder above it "+
				"(run `npm install` in the project)", dir)
		}
	}
}

// Run runs a program of this host's language.
func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	switch h.language {
	case "nodejs":
		return h.runNode(ctx, req)
	case "go":
		return h.runGo(ctx, req)
	}
	return nil, fmt.Errorf("this host makes %s SDKs; it does not run programs", h.language)
}

// configEnv is the stack's config and its secret keys, as JSON in the variables both SDKs read.
func configEnv(req *pulumirpc.RunRequest) ([]string, error) {
	cfg := req.GetConfig()
	if cfg == nil {
		cfg = map[string]string{} // the SDKs want a JSON object, not null
	}
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secrets, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, err
	}
	return []string{"PULUMI_CONFIG=" + string(config), "PULUMI_CONFIG_SECRET_KEYS=" + string(secrets)}, nil
}

// finish turns how the program ended into the engine's answer.
func finish(err error, what string) (*pulumirpc.RunResponse, error) {
	if err == nil {
		return &pulumirpc.RunResponse{}, nil
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ee.ExitCode() == 32 { // the program already reported a user-facing error
			return &pulumirpc.RunResponse{Bail: true}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ee.ExitCode())}, nil
	}
	return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", what, err)}, nil
}

// runGo builds the Go program in its folder and runs it with the settings the Go SDK reads from
// the environment (pulumi.Run).
func (h *host) runGo(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	root, progDir := req.GetPwd(), req.GetPwd()
	if info := req.GetInfo(); info != nil {
		root, progDir = info.GetRootDirectory(), info.GetProgramDirectory()
	}
	tmp, err := os.MkdirTemp("", "pulumi-go.")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	program := filepath.Join(tmp, "program")
	build := exec.CommandContext(ctx, "go", "build", "-o", program, ".")
	build.Dir = progDir
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("go build failed in %s: %v", progDir, err)}, nil
	}
	config, err := configEnv(req)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, program, req.GetArgs()...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(append(os.Environ(), config...),
		"PULUMI_MONITOR="+req.GetMonitorAddress(),
		"PULUMI_ENGINE="+h.engine,
		"PULUMI_PROJECT="+req.GetProject(),
		"PULUMI_STACK="+req.GetStack(),
		"PULUMI_ORGANIZATION="+req.GetOrganization(),
		"PULUMI_ROOT_DIRECTORY="+root,
		"PULUMI_DRY_RUN="+strconv.FormatBool(req.GetDryRun()),
		"PULUMI_PARALLEL="+strconv.Itoa(int(req.GetParallel())),
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return finish(cmd.Run(), program)
}

// runNode runs a Node.js program the way Pulumi's own host does: `node <run script> <flags>
// <program>`, with the stack's config in PULUMI_CONFIG and TypeScript compiled on the fly.
func (h *host) runNode(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	root, progDir, entry := req.GetPwd(), req.GetPwd(), req.GetProgram()
	var opts map[string]interface{}
	if info := req.GetInfo(); info != nil {
		root, progDir, entry = info.GetRootDirectory(), info.GetProgramDirectory(), info.GetEntryPoint()
		if info.GetOptions() != nil {
			opts = info.GetOptions().AsMap()
		}
	}
	if entry == "" {
		entry = "."
	}
	// Pulumi.yaml's runtime options, as Pulumi's own host reads them: `typescript: false` for a
	// JavaScript program, `tsconfig` for another tsconfig.json than the project's.
	typescript := "true"
	if ts, ok := opts["typescript"].(bool); ok && !ts {
		typescript = "false"
	}
	env := append(os.Environ(), "PULUMI_NODEJS_TYPESCRIPT="+typescript)
	if tsconfig, _ := opts["tsconfig"].(string); tsconfig != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+tsconfig)
	}
	script, err := runScript(progDir)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	config, err := configEnv(req)
	if err != nil {
		return nil, err
	}
	args := []string{script,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engine,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
		"--root-directory", root,
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	// The entry point relative to the program's folder, where node runs: the run script resolves
	// it from there (an absolute path breaks ES-module directory imports).
	args = append(args, entry)
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = progDir
	cmd.Env = append(env, config...)
	cmd.Stdout = os.Stdout // the engine shows the plugin's output
	cmd.Stderr = os.Stderr
	return finish(cmd.Run(), "node")
}
