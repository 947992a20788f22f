#!/usr/bin/env bash
# Make the Node.js, Go and Python SDKs of the provider plugins (agentrun, qoder, aiae) from the
# package schema each plugin serves, with `pulumi package gen-sdk`.
#
# Usage:   scripts/gen-sdks.sh [--build] [PACKAGE...]      (./run sdks is the same)
#
# Writes sdk/<package>/{nodejs,go,python} (a build output: gitignored, never committed):
#   nodejs  the npm package named by the schema (language.nodejs.packageName, @pulumi-agents/<package>)
#   go      a Go module: go.mod with the module path the schema's language.go.importBasePath is in
#           (github.com/pulumi-agents/pulumi-agents/sdk/<package>/go), go.sum by `go mod tidy`
#   python  the pulumi_<package> distribution (setup.py)
# each at the plugins' version (pulumi_agents.__version__): the script fills in what a generator
# leaves as ${VERSION} or 0.0.0.
#
# --build also builds what a team publishes, once per change (stamps in sdk/.stamp-*):
#   sdk/node_modules           typescript, @pulumi/pulumi at the CLI's release, @types/node and
#                              ts-node, from npm (sdk/package.json), for every SDK and program
#   sdk/<package>/nodejs/bin   the SDK compiled by `tsc --strict`, with its package.json: what
#                              `npm publish` takes (and `npm install` a local path)
#   sdk/node_modules/@pulumi-agents/<package>   links to those bin folders
#   the Go SDKs                `go build ./...` (it fills Go's build cache for `go vet`)
#
# The plugins are the console scripts of the virtualenv (VENV, default <repo>/.venv). The CLI is
# `pulumi` on PATH when it has a nodejs language host (a normal Pulumi install: its stock hosts
# generate the SDKs), else the one scripts/install-pulumi-cli.sh builds with PULUMI_CLI_NODEJS=1,
# whose codegen folder of SDK hosts goes first on PATH for gen-sdk only.
set -euo pipefail

log() { printf 'gen-sdks: %s\n' "$*" >&2; }
die() { printf 'gen-sdks: ERROR: %s\n' "$*" >&2; exit 1; }

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${VENV:-$root/.venv}
out=${SDK_OUT:-$root/sdk}
build=0
packages=()
for arg in "$@"; do
  case $arg in
    --build) build=1 ;;
    agentrun | qoder | aiae) packages+=("$arg") ;;
    *) die "unknown argument '$arg' (usage: scripts/gen-sdks.sh [--build] [agentrun|qoder|aiae]...)" ;;
  esac
done
[[ ${#packages[@]} -gt 0 ]] || packages=(agentrun qoder aiae)
[[ -x $venv/bin/pulumi-resource-agentrun ]] || die "$venv has no pulumi-agents (./run test or ./run demo makes .venv)"
command -v go >/dev/null 2>&1 || die "go is not on PATH (it tidies and builds the Go SDKs)"
[[ $build == 0 ]] || command -v npm >/dev/null 2>&1 || die "npm is not on PATH (--build installs typescript and @pulumi/pulumi with it)"
export PULUMI_SKIP_UPDATE_CHECK=true

# ------------------------------------------------------------------ the CLI --
if pulumi_bin=$(command -v pulumi 2>/dev/null) && command -v pulumi-language-nodejs >/dev/null 2>&1 &&
  [[ ! -d $(dirname "$pulumi_bin")/../codegen ]]; then
  codegen= # a normal install: its own hosts make the SDKs
else
  bin=$(PULUMI_CLI_NODEJS=1 PULUMI_VERSION="$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("pulumi"))')" \
    "$root/scripts/install-pulumi-cli.sh")
  pulumi_bin=$bin/pulumi
  codegen=$(cd "$bin/../codegen" 2>/dev/null && pwd) || codegen=
fi
cli_version=$("$pulumi_bin" version)
cli_version=${cli_version#v}
version=$("$venv/bin/python" -c 'import pulumi_agents; print(pulumi_agents.__version__)')

mkdir -p "$out"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$out/.lock"
  flock 9 # one build at a time in sdk/ (a test run and ./run sdks, or two pytest workers)
fi

# gen PACKAGE: the three SDKs of one package, when its schema, this script or the hosts changed.
gen() {
  local pkg=$1 dir=$out/$1 schema stamp lang module
  schema=$(mktemp --suffix=.json)
  "$pulumi_bin" package get-schema "$venv/bin/pulumi-resource-$pkg" >"$schema" 2>/dev/null ||
    die "pulumi package get-schema $venv/bin/pulumi-resource-$pkg failed"
  stamp=$(cat "$schema" "${BASH_SOURCE[0]}" ${codegen:+"$codegen/pulumi-language-nodejs"} | sha256sum | cut -d' ' -f1)
  if [[ -f $dir/.stamp && $(cat "$dir/.stamp") == "$stamp" ]]; then
    log "$pkg: up to date in $dir"
    rm -f "$schema"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  for lang in nodejs go python; do
    PATH=${codegen:+$codegen:}$PATH "$pulumi_bin" package gen-sdk "$schema" --language "$lang" --out "$dir" \
      >"$dir/.gen-$lang.log" 2>&1 || { cat "$dir/.gen-$lang.log" >&2; die "gen-sdk $pkg $lang failed"; }
    rm -f "$dir/.gen-$lang.log"
  done
  # The version, where the generator left a placeholder.
  sed -i "s/\${VERSION}/$version/g" "$dir/nodejs/package.json"
  sed -i "s/^VERSION = \"0\.0\.0\"$/VERSION = \"$version\"/" "$dir/python/setup.py"
  grep -q "\"version\": \"$version\"" "$dir/nodejs/package.json" || die "$pkg: no version in nodejs/package.json"
  # The Go module: the folder holding the package the schema's importBasePath names.
  module=$("$venv/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["language"]["go"]["importBasePath"].rsplit("/", 1)[0])' "$schema")
  printf 'module %s\n\ngo 1.24\n\nrequire (\n\tgithub.com/blang/semver v3.5.1+incompatible\n\tgithub.com/pulumi/pulumi/sdk/v3 v%s\n)\n' \
    "$module" "$cli_version" >"$dir/go/go.mod"
  (cd "$dir/go" && GOFLAGS=-mod=mod go mod tidy >"$dir/.tidy.log" 2>&1) ||
    { cat "$dir/.tidy.log" >&2; die "go mod tidy failed in $dir/go"; }
  rm -f "$dir/.tidy.log" "$schema"
  echo "$stamp" >"$dir/.stamp"
  log "$pkg: made $dir/{nodejs,go,python} ($version; npm $(sed -n 's/^ *"name": "\(.*\)",$/\1/p' "$dir/nodejs/package.json" | head -1), Go $module)"
}

# node_modules: what compiling the Node SDKs and running TypeScript programs takes, from npm.
node_modules() {
  local manifest
  manifest=$(printf '{\n  "name": "pulumi-agents-sdks",\n  "private": true,\n  "devDependencies": {\n    "@pulumi/pulumi": "%s",\n    "@types/node": "^20",\n    "ts-node": "^10",\n    "typescript": "^5"\n  }\n}\n' "$cli_version")
  if [[ -d $out/node_modules && -f $out/.stamp-npm && $(cat "$out/.stamp-npm") == "$manifest" ]]; then
    return
  fi
  log "npm install in $out (typescript, @pulumi/pulumi@$cli_version, @types/node, ts-node)..."
  printf '%s' "$manifest" >"$out/package.json"
  (cd "$out" && npm install --no-audit --no-fund --loglevel=error >"$out/.npm.log" 2>&1) ||
    { cat "$out/.npm.log" >&2; die "npm install failed in $out"; }
  printf '%s' "$manifest" >"$out/.stamp-npm"
}

# build PACKAGE: the Node SDK compiled into nodejs/bin (with its package.json, as published), and
# the Go SDK built; once per generation.
build() {
  local dir=$out/$1
  [[ -f $dir/.stamp-build && $(cat "$dir/.stamp-build") == "$(cat "$dir/.stamp")" ]] && return
  log "$1: tsc --strict, go build"
  (cd "$dir/nodejs" && "$out/node_modules/.bin/tsc" --strict) || die "$1: the Node SDK does not compile"
  cp "$dir/nodejs/package.json" "$dir/nodejs/README.md" "$dir/nodejs/bin/"
  (cd "$dir/go" && go build ./...) || die "$1: the Go SDK does not build"
  cp "$dir/.stamp" "$dir/.stamp-build"
}

for pkg in "${packages[@]}"; do gen "$pkg"; done
if [[ $build == 1 ]]; then
  node_modules
  for pkg in "${packages[@]}"; do
    build "$pkg"
    # So that a program whose node_modules is sdk/node_modules (the tests') imports the SDK.
    mkdir -p "$out/node_modules/@pulumi-agents"
    ln -sfn "../../$pkg/nodejs/bin" "$out/node_modules/@pulumi-agents/$pkg"
  done
fi
echo "$out"
