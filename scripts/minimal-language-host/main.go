// A minimal Pulumi language host for Python programs, used when the upstream
// one cannot be fetched. It runs the program through the SDK's
// pulumi-language-python-exec script (found beside this binary) in the
// project's virtualenv (runtime option `virtualenv`), or in $PULUMI_PYTHON_CMD,
// or python3. It does not report required plugins, install dependencies,
// answer `pulumi about` or generate code. RunPlugin runs Python plugins, such
// as CrossGuard policy packs (`pulumi preview --policy-pack DIR`), the same way.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

var version = "0.0.0"

type host struct {
	pulumirpc.UnimplementedLanguageRuntimeServer
	engine string // the engine's gRPC address
	exec   string // path of pulumi-language-python-exec
}

func main() {
	h := &host{}
	// The engine passes optional flags (--logtostderr, -v=N, --tracing ADDR) and
	// then its own address as the last argument.
	if n := len(os.Args); n > 1 && !strings.HasPrefix(os.Args[n-1], "-") {
		h.engine = os.Args[n-1]
	}
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
		os.Exit(1)
	}
	h.exec = filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")

	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Init: func(s *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(s, h)
			return nil
		},
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: could not start the gRPC server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%d\n", handle.Port) // the engine reads the port from the first line
	if err := <-handle.Done; err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
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

// No plugins are announced up front; the engine loads the ones resources ask for.
func (h *host) GetRequiredPlugins(context.Context, *pulumirpc.GetRequiredPluginsRequest) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *host) GetRequiredPackages(context.Context, *pulumirpc.GetRequiredPackagesRequest) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

// python picks the interpreter and environment: the `virtualenv` runtime
// option (relative to the project root), else $PULUMI_PYTHON_CMD, else python3.
func python(root string, opts map[string]interface{}) (string, []string, error) {
	env := os.Environ()
	venv, _ := opts["virtualenv"].(string)
	if tc, _ := opts["toolchain"].(string); venv == "" && tc != "" && tc != "pip" {
		return "", nil, fmt.Errorf("toolchain %q is not supported by this minimal language host; use `virtualenv`", tc)
	}
	if venv == "" {
		if cmd := os.Getenv("PULUMI_PYTHON_CMD"); cmd != "" {
			return cmd, env, nil
		}
		return "python3", env, nil
	}
	if !filepath.IsAbs(venv) {
		venv = filepath.Join(root, venv)
	}
	py := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		return "", nil, fmt.Errorf("the virtualenv option in Pulumi.yaml is %q, but %s does not exist "+
			"(create it with `python3 -m venv %s` and install the project's requirements into it)", venv, py, venv)
	}
	out := env[:0:0]
	for _, kv := range env {
		if strings.HasPrefix(kv, "PYTHONHOME=") {
			continue
		}
		if strings.HasPrefix(kv, "PATH=") {
			kv = "PATH=" + filepath.Join(venv, "bin") + string(os.PathListSeparator) + kv[len("PATH="):]
		}
		out = append(out, kv)
	}
	out = append(out, "VIRTUAL_ENV="+venv)
	return py, out, nil
}

func (h *host) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
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
	program := entry
	if !filepath.IsAbs(program) {
		program = filepath.Join(progDir, entry)
	}

	py, env, err := python(root, opts)
	if err != nil {
		return &pulumirpc.RunResponse{Error: err.Error()}, nil
	}
	cfg := req.GetConfig()
	if cfg == nil {
		cfg = map[string]string{} // the SDK wants a JSON object, not null
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
	env = append(env, "PULUMI_CONFIG="+string(config), "PULUMI_CONFIG_SECRET_KEYS="+string(secrets))

	args := []string{"-u", h.exec,
		"--monitor", req.GetMonitorAddress(),
		"--engine", h.engine,
		"--project", req.GetProject(),
		"--stack", req.GetStack(),
		"--pwd", req.GetPwd(),
		"--dry_run", strconv.FormatBool(req.GetDryRun()),
		"--parallel", strconv.Itoa(int(req.GetParallel())),
		"--root_directory", root,
	}
	if org := req.GetOrganization(); org != "" {
		args = append(args, "--organization", org)
	}
	args = append(args, program)
	args = append(args, req.GetArgs()...)

	cmd := exec.CommandContext(ctx, py, args...)
	cmd.Dir = req.GetPwd()
	cmd.Env = env
	cmd.Stdout = os.Stdout // the engine shows the plugin's output
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == 32 { // the program already reported a user-facing error
				return &pulumirpc.RunResponse{Bail: true}, nil
			}
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("Program exited with non-zero exit code: %d", ee.ExitCode())}, nil
		}
		return &pulumirpc.RunResponse{Error: fmt.Sprintf("could not run %s: %v", py, err)}, nil
	}
	return &pulumirpc.RunResponse{}, nil
}

// RunPlugin runs a Python plugin program, such as a policy pack: the engine
// starts a pack through the language host its PulumiPolicy.yaml names. It runs
// `python -u <program> <args>` in the plugin's `virtualenv` (relative to the
// plugin's folder) with the request's environment added, streams its stdout and
// stderr back as they come, and then its exit code.
func (h *host) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
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
	program := entry
	if !filepath.IsAbs(program) {
		program = filepath.Join(progDir, entry)
	}
	py, env, err := python(root, opts)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(server.Context(), py, append([]string{"-u", program}, req.GetArgs()...)...)
	cmd.Dir = req.GetPwd()
	cmd.Env = append(env, req.GetEnv()...)

	var mu sync.Mutex // a stream takes one Send at a time
	send := func(r *pulumirpc.RunPluginResponse) error {
		mu.Lock()
		defer mu.Unlock()
		return server.Send(r)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not run %s: %w", py, err)
	}
	var wg sync.WaitGroup
	pump := func(r io.Reader, wrap func([]byte) *pulumirpc.RunPluginResponse) {
		defer wg.Done()
		buf := make([]byte, 32*1024)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				chunk := append([]byte(nil), buf[:n]...)
				_ = send(wrap(chunk)) // keep draining even if the engine stopped listening
			}
			if err != nil {
				return
			}
		}
	}
	wg.Add(2)
	go pump(stdout, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stdout{Stdout: b}}
	})
	go pump(stderr, func(b []byte) *pulumirpc.RunPluginResponse {
		return &pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Stderr{Stderr: b}}
	})
	wg.Wait() // read everything before Wait closes the pipes
	code := 0
	if err := cmd.Wait(); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			return fmt.Errorf("%s: %w", py, err)
		}
		code = ee.ExitCode()
	}
	return send(&pulumirpc.RunPluginResponse{Output: &pulumirpc.RunPluginResponse_Exitcode{Exitcode: int32(code)}})
}
