#!/usr/bin/env bash
# Provide the Pulumi CLI (plus what a Python program needs) without any Pulumi
# download site: everything is built from Go modules fetched through the Go
# module proxy (GOPROXY), the only place besides PyPI that ships Pulumi's code.
#
# Usage:   scripts/install-pulumi-cli.sh [VERSION]
#          PATH="$(scripts/install-pulumi-cli.sh):$PATH"
#
# VERSION (or env PULUMI_VERSION) is the Pulumi release wanted, e.g. 3.272.0;
# by default the version of the `pulumi` Python package installed in the active
# Python, else 3.272.0.  On success the bin directory is printed as the last
# (only) line of stdout; progress goes to stderr.
#
# What ends up in <PULUMI_CLI_DIR>/v<VERSION>/bin (PULUMI_CLI_DIR defaults to
# <repo root>/.pulumi-cli, which gets its own `.gitignore`):
#   pulumi                          the CLI, from github.com/pulumi/pulumi/pkg/v3
#   pulumi-language-python          the Python language host
#   pulumi-language-python-exec     \ scripts shipped in github.com/pulumi/pulumi/sdk/v3
#   pulumi-resource-pulumi-python   / (python/cmd, python/dist), for dynamic providers
#   pulumi-language-yaml            only with PULUMI_CLI_YAML=1: the Pulumi YAML host, from
#                                   github.com/pulumi/pulumi-yaml (PULUMI_YAML_VERSION, default
#                                   1.25.0, the newest the proxy serves); built once, added to an
#                                   existing build without rebuilding the CLI (34-82 s on a
#                                   quiet machine, 96 s on a busy 2-core one; 3 s cached)
#   pulumi-language-nodejs          only with PULUMI_CLI_NODEJS=1: runs Node.js (TypeScript)
#   pulumi-language-go (a link)     and Go programs: the host scripts/sdk-language-host/main.go, built
#                                   against github.com/pulumi/pulumi/pkg/v3 (the proxy refuses
#                                   Pulumi's own hosts); ../codegen/pulumi-language-{nodejs,go,python}
#                                   are links to it that make SDKs (`pulumi package gen-sdk`, run
#                                   by scripts/gen-sdks.sh with that folder first on PATH for that
#                                   command only: it must never run a Python program). Built once,
#                                   added to an existing build (about 40 s; rebuilt alone when
#                                   main.go changes). A `pulumi` found on PATH qualifies only with
#                                   its own pulumi-language-nodejs: its stock hosts do both jobs.
# The engine finds the language host and the `pulumi-python` provider (used by
# pulumi.dynamic) on PATH or beside the `pulumi` binary, so nothing is downloaded.
#
# Proxy gaps, handled here:
#  * pkg/v3 is not served for every release.  When the wanted release is refused,
#    the CLI is built from PULUMI_CLI_FALLBACK_VERSION (default 3.259.0) instead,
#    with a warning; the CLI is backward compatible with newer Python SDKs for
#    everything a plain `pulumi up` of a Python program uses.  PULUMI_CLI_VERSION
#    forces the CLI release outright.
#  * The upstream language host module
#    (github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3) is tried
#    at the CLI release (tag, then commit); when the proxy refuses it, a minimal
#    language host (scripts/minimal-language-host/main.go: Run, RunPlugin for policy packs, plugin
#    info; no dependency installation, `pulumi about` or `pulumi new`) is built against sdk/v3
#    instead. PULUMI_CLI_LANGUAGE_HOST=upstream|minimal forces one of them. A build whose minimal
#    host came from another main.go (its sha256 is in BUILD-INFO) gets the host rebuilt alone.
#
# Other knobs: PULUMI_CLI_DIR, PULUMI_CLI_BUILD_JOBS (go build -p, default: nproc),
# PULUMI_CLI_GOTOOLCHAIN (default auto: a newer Go is fetched from the proxy if a
# go.mod asks for one), PULUMI_CLI_FORCE=1 (rebuild even if a build exists).
set -euo pipefail

log() { printf 'install-pulumi-cli: %s\n' "$*" >&2; }
die() { printf 'install-pulumi-cli: ERROR: %s\n' "$*" >&2; exit 1; }

export PULUMI_SKIP_UPDATE_CHECK=true # for this script's own `pulumi version` calls

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$script_dir/.." && pwd)

# ---------------------------------------------------------------- versions --
want=${1:-${PULUMI_VERSION:-}}
if [[ -z $want ]]; then
  for py in python python3; do
    command -v "$py" >/dev/null 2>&1 || continue
    if want=$("$py" -c 'import importlib.metadata as m; print(m.version("pulumi"))' 2>/dev/null); then
      break
    fi
    want=
  done
fi
want=${want:-3.272.0}
want_yaml=${PULUMI_CLI_YAML:-0}
yaml_version=${PULUMI_YAML_VERSION:-1.25.0}
yaml_version=${yaml_version#v}
want_nodejs=${PULUMI_CLI_NODEJS:-0}
host_src=$script_dir/minimal-language-host/main.go
sdk_host_src=$script_dir/sdk-language-host/main.go
sdk_host_sha=$(sha256sum "$sdk_host_src" | cut -d' ' -f1)
host_sha=$(sha256sum "$host_src" | cut -d' ' -f1)
want=${want#v}
[[ $want =~ ^3\.[0-9]+\.[0-9]+$ ]] || die "unsupported Pulumi version '$want' (expected 3.X.Y)"

cli_dir=${PULUMI_CLI_DIR:-$repo_root/.pulumi-cli}
dest=$cli_dir/v$want
bin=$dest/bin
info_file=$dest/BUILD-INFO

# ------------------------------------------------- already there? -----------
# 1. A `pulumi` on PATH of exactly this version, with a Python language host.
if [[ ${PULUMI_CLI_FORCE:-0} != 1 ]] && existing=$(command -v pulumi 2>/dev/null); then
  existing_dir=$(cd "$(dirname "$existing")" && pwd)
  if [[ $("$existing" version 2>/dev/null || true) == "v$want" ]] &&
     { [[ -x $existing_dir/pulumi-language-python ]] || command -v pulumi-language-python >/dev/null 2>&1; } &&
     { [[ $want_yaml != 1 || -x $existing_dir/pulumi-language-yaml ]] || command -v pulumi-language-yaml >/dev/null 2>&1; } &&
     { [[ $want_nodejs != 1 || -x $existing_dir/pulumi-language-nodejs ]] || command -v pulumi-language-nodejs >/dev/null 2>&1; }; then
    log "pulumi v$want already on PATH: $existing"
    echo "$existing_dir"
    exit 0
  fi
fi

# 2. A finished build in the install dir.
build_ok() {
  [[ -f $info_file ]] || return 1
  local f cli_v
  for f in pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python; do
    [[ -x $bin/$f ]] || return 1
  done
  cli_v=$(sed -n 's/^cli_version=//p' "$info_file")
  [[ -n $cli_v && $("$bin/pulumi" version 2>/dev/null || true) == "v$cli_v" ]]
}
# What an existing build lacks: a minimal host from an older main.go, a wanted YAML host.
host_stale() {
  grep -q '^language_host=minimal' "$info_file" &&
    [[ $(sed -n 's/^minimal_host_sha256=//p' "$info_file") != "$host_sha" ]]
}
yaml_missing() { [[ $want_yaml == 1 && ! -x $bin/pulumi-language-yaml ]]; }
# The SDK host, when wanted: missing, or built from another scripts/sdk-language-host/main.go.
nodejs_missing() {
  [[ $want_nodejs == 1 ]] || return 1
  [[ ! -x $bin/pulumi-language-nodejs || ! -L $bin/pulumi-language-go || ! -L $dest/codegen/pulumi-language-python ]] ||
    [[ $(sed -n 's/^sdk_host_sha256=//p' "$info_file") != "$sdk_host_sha" ]]
}
complete() { build_ok && ! host_stale && ! yaml_missing && ! nodejs_missing; }
if [[ ${PULUMI_CLI_FORCE:-0} != 1 ]] && complete; then
  log "reusing $bin ($(tr '\n' ' ' <"$info_file"))"
  echo "$bin"
  exit 0
fi

# ------------------------------------------------------------ build setup --
command -v go >/dev/null 2>&1 || die "go is not on PATH (needed to build the Pulumi CLI)"
export GOTOOLCHAIN=${PULUMI_CLI_GOTOOLCHAIN:-auto}
export GOFLAGS="-mod=mod -buildvcs=false"
jobs=${PULUMI_CLI_BUILD_JOBS:-$(nproc 2>/dev/null || echo 2)}

mkdir -p "$cli_dir"
[[ -f $cli_dir/.gitignore ]] || printf '# built by scripts/install-pulumi-cli.sh\n*\n' >"$cli_dir/.gitignore"
# One build at a time per install dir; a build that finished while we waited is reused.
if command -v flock >/dev/null 2>&1; then
  exec 9>"$cli_dir/.lock"
  flock 9
  if [[ ${PULUMI_CLI_FORCE:-0} != 1 ]] && complete; then
    log "reusing $bin (built by a concurrent run)"
    echo "$bin"
    exit 0
  fi
fi
work=$(mktemp -d "$cli_dir/.build.XXXXXX")
stage=$work/bin
mkdir -p "$stage"
cleanup() { chmod -R u+w "$work" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# run LOGNAME CMD...: run a go command with its chatter in a log; on failure
# show the log (the exact go error) and stop.
run() {
  local name=$1; shift
  if ! "$@" >"$work/$name.log" 2>&1; then
    cat "$work/$name.log" >&2
    mkdir -p "$dest" && cp "$work/$name.log" "$dest/failed-$name.log"
    die "'$*' failed in $(pwd) (log kept in $dest/failed-$name.log)"
  fi
}

# download MODULE@VERSION: prints the module's extracted dir; returns 2 when the
# proxy does not have that version (403/404/410, unknown revision), dies on any
# other error.
download() {
  local out err
  out=$(cd "$work" && go mod download -json "$1" 2>"$work/download.err") || true
  err=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p')
  if [[ -n $err ]]; then
    if [[ $err =~ (403|404|410|not\ available|unknown\ revision|invalid\ version|not\ found) ]]; then
      log "  not available from the proxy: $1"
      log "    ($err)"
      return 2
    fi
    cat "$work/download.err" >&2
    die "go mod download $1 failed: $err"
  fi
  local dir
  dir=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')
  if [[ -z $dir || ! -d $dir ]]; then
    cat "$work/download.err" >&2
    die "go mod download $1 gave no module directory"
  fi
  printf '%s\n' "$dir"
}

# fetch VAR MODULE@VERSION: VAR=dir; returns 2 if the proxy lacks it; exits on
# any other failure (download's own die only ends its command substitution).
fetch() {
  local _dir _rc=0
  _dir=$(download "$2") || _rc=$?
  [[ $_rc == 0 || $_rc == 2 ]] || exit 1
  printf -v "$1" '%s' "$_dir"
  return "$_rc"
}

# copy_module SRC DST: module cache dirs are read-only; copy and make writable.
copy_module() { mkdir -p "$(dirname "$2")"; cp -r "$1" "$2"; chmod -R u+w "$2"; }

mod_pkg=github.com/pulumi/pulumi/pkg/v3
mod_sdk=github.com/pulumi/pulumi/sdk/v3
mod_lang=github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3
mod_yaml=github.com/pulumi/pulumi-yaml

# build_minimal_host ROOT CLI_VERSION OUT: the minimal Python host against ROOT/sdk.
build_minimal_host() {
  local lh=$1/pulumi-language-python-minimal
  mkdir -p "$lh"
  cat >"$lh/go.mod" <<EOF
module pulumi-language-python-minimal

go 1.24

require github.com/pulumi/pulumi/sdk/v3 v$2

replace github.com/pulumi/pulumi/sdk/v3 => ../sdk
EOF
  cp "$1/sdk/go.sum" "$lh/go.sum"
  cp "$host_src" "$lh/main.go"
  (cd "$lh" && run build-language-python go build -p "$jobs" -trimpath \
    -ldflags "-s -w -X main.version=$2" -o "$3" .)
}

# build_yaml_host OUT_DIR: pulumi-language-yaml, a plain `go install` (no replace directives).
build_yaml_host() {
  local start=$SECONDS
  log "building pulumi-language-yaml v$yaml_version (about a minute)..."
  (cd "$work" && GOFLAGS=-buildvcs=false GOBIN=$1 run build-language-yaml \
    go install -p "$jobs" -trimpath -ldflags "-s -w" "$mod_yaml/cmd/pulumi-language-yaml@v$yaml_version")
  log "  built pulumi-language-yaml in $((SECONDS - start))s"
}

# build_sdk_host CLI_VERSION OUT_DIR: scripts/sdk-language-host against pkg/v3 and sdk/v3 at the
# CLI's release (a plain module: pkg/v3's requirements, no replace directives), as
# OUT_DIR/pulumi-language-nodejs.
build_sdk_host() {
  local start=$SECONDS sh=$work/sdk-host pkg rc=0
  log "building the SDK host (pulumi-language-nodejs; codegen for nodejs, go, python; about 40 s)..."
  fetch pkg "$mod_pkg@v$1" || rc=$?
  [[ $rc == 0 ]] || die "cannot get $mod_pkg@v$1 from the Go module proxy"
  mkdir -p "$sh"
  printf 'module pulumi-agents-sdk-host\n\ngo 1.24\n\nrequire (\n\t%s v%s\n\t%s v%s\n)\n' \
    "$mod_pkg" "$1" "$mod_sdk" "$1" >"$sh/go.mod"
  cp "$pkg/go.sum" "$sh/go.sum"
  cp "$sdk_host_src" "$sh/main.go"
  (cd "$sh" && run build-sdk-host go build -p "$jobs" -trimpath \
    -ldflags "-s -w -X main.version=$1" -o "$2/pulumi-language-nodejs" .)
  log "  built the SDK host in $((SECONDS - start))s"
}

# install_codegen: DEST/codegen/pulumi-language-{nodejs,go,python}, links to the SDK host in bin,
# and bin/pulumi-language-go (the host runs Go programs too; it never runs Python ones).
install_codegen() {
  local lang
  ln -sfn pulumi-language-nodejs "$bin/pulumi-language-go"
  mkdir -p "$dest/codegen"
  for lang in nodejs go python; do
    ln -sfn ../bin/pulumi-language-nodejs "$dest/codegen/pulumi-language-$lang"
  done
}

# set_info KEY VALUE: record KEY=VALUE in BUILD-INFO, replacing an older value.
set_info() {
  { grep -v "^$1=" "$info_file" || true; echo "$1=$2"; } >"$work/info" && mv "$work/info" "$info_file"
}

# ------------------------------------------- complete an existing build ----
# Only what it lacks is built: the CLI (several minutes) is not rebuilt for it.
if [[ ${PULUMI_CLI_FORCE:-0} != 1 ]] && build_ok; then
  cli=$(sed -n 's/^cli_version=//p' "$info_file")
  if host_stale; then
    log "rebuilding the minimal pulumi-language-python ($host_src changed)..."
    rc=0; fetch sdk_dir "$mod_sdk@v$cli" || rc=$?
    [[ $rc == 0 ]] || die "cannot get $mod_sdk@v$cli from the Go module proxy"
    copy_module "$sdk_dir" "$work/src/sdk"
    build_minimal_host "$work/src" "$cli" "$stage/pulumi-language-python"
    mv -f "$stage/pulumi-language-python" "$bin/pulumi-language-python" # a rename: running hosts keep theirs
    set_info minimal_host_sha256 "$host_sha"
  fi
  if yaml_missing; then
    build_yaml_host "$stage"
    mv -f "$stage/pulumi-language-yaml" "$bin/pulumi-language-yaml"
    set_info yaml_host "$mod_yaml@v$yaml_version"
  fi
  if nodejs_missing; then
    build_sdk_host "$cli" "$stage"
    mv -f "$stage/pulumi-language-nodejs" "$bin/pulumi-language-nodejs" # a rename: running hosts keep theirs
    install_codegen
    set_info sdk_host_sha256 "$sdk_host_sha"
  fi
  log "completed $bin ($(tr '\n' ' ' <"$info_file"))"
  echo "$bin"
  exit 0
fi

# -------------------------------------------------------- download modules --
log "downloading modules for Pulumi v$want (into $(go env GOMODCACHE))..."
cli=${PULUMI_CLI_VERSION:-$want}
cli=${cli#v}
rc=0; fetch pkg_dir "$mod_pkg@v$cli" || rc=$?
if [[ $rc == 2 && -z ${PULUMI_CLI_VERSION:-} ]]; then
  cli=${PULUMI_CLI_FALLBACK_VERSION:-3.259.0}
  cli=${cli#v}
  log "WARNING: the Go module proxy does not serve $mod_pkg@v$want;"
  log "WARNING: building the CLI from v$cli instead (set PULUMI_CLI_VERSION to choose another)."
  rc=0; fetch pkg_dir "$mod_pkg@v$cli" || rc=$?
fi
[[ $rc == 0 ]] || die "cannot get $mod_pkg@v$cli from the Go module proxy"
rc=0; fetch sdk_dir "$mod_sdk@v$cli" || rc=$?
[[ $rc == 0 ]] || die "cannot get $mod_sdk@v$cli from the Go module proxy"

# The Python helper scripts come from sdk/v3 at the wanted release (they run
# inside the user's Python with that version of the `pulumi` package).
scripts_v=$want
rc=0; fetch scripts_dir "$mod_sdk@v$want" || rc=$?
if [[ $rc != 0 ]]; then
  log "WARNING: using the Python helper scripts of v$cli instead"
  scripts_v=$cli; scripts_dir=$sdk_dir
fi

# The commit of the CLI release, from the proxy's .info for pkg/v3.
commit=$(sed -n 's/.*"Hash": *"\([0-9a-f]\{40\}\)".*/\1/p' \
  "$(go env GOMODCACHE)/cache/download/$mod_pkg/@v/v$cli.info" 2>/dev/null || true)

lang_mode=${PULUMI_CLI_LANGUAGE_HOST:-auto}
lang_dir= lang_from=
if [[ $lang_mode != minimal ]]; then
  for q in "v$cli" ${commit:+"$commit"}; do
    rc=0; fetch lang_dir "$mod_lang@$q" || rc=$?
    if [[ $rc == 0 ]]; then lang_from="$mod_lang@$q"; break; fi
    lang_dir=
  done
  if [[ -z $lang_dir ]]; then
    [[ $lang_mode == upstream ]] && die "the upstream Python language host is not available from the proxy"
    log "WARNING: the upstream Python language host is not served by the proxy;"
    log "WARNING: building the minimal language host from this script instead."
  fi
fi

# ------------------------------------------- lay out the upstream tree -----
# As in the upstream repository, so the relative replace directives resolve:
#   pkg/go.mod: replace .../sdk/v3 => ../sdk
#   sdk/python/cmd/pulumi-language-python/go.mod: => ../../../../pkg, ../../.. (sdk)
root=$work/src
copy_module "$pkg_dir" "$root/pkg"
copy_module "$sdk_dir" "$root/sdk"
if [[ -n $lang_dir ]]; then
  rm -rf "$root/sdk/python/cmd/pulumi-language-python"
  copy_module "$lang_dir" "$root/sdk/python/cmd/pulumi-language-python"
fi
for gomod in "$root"/pkg/go.mod "$root"/sdk/go.mod ${lang_dir:+"$root/sdk/python/cmd/pulumi-language-python/go.mod"}; do
  while read -r target; do
    [[ -e $(dirname "$gomod")/$target/go.mod ]] ||
      die "$gomod replaces a module with $target, which is not in the layout"
  done < <(sed -n 's/^[[:space:]]*\(replace[[:space:]]\+\)\{0,1\}[^[:space:]]\+\([[:space:]]\+v[^[:space:]]\+\)\{0,1\}[[:space:]]\+=>[[:space:]]\+\(\.\.\{0,1\}\/[^[:space:]]*\)[[:space:]]*$/\3/p' "$gomod")
done

ldflags="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$cli"

log "downloading build dependencies..."
(cd "$root/pkg" && run deps-pulumi go list -deps ./cmd/pulumi)

# ------------------------------------------------------------------ build --
log "building pulumi v$cli (takes several minutes)..."
start=$SECONDS
(cd "$root/pkg" && run build-pulumi go build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$stage/pulumi" ./cmd/pulumi)
log "  built pulumi in $((SECONDS - start))s"

if [[ -n $lang_dir ]]; then
  log "building pulumi-language-python ($lang_from)..."
  (cd "$root/sdk/python/cmd/pulumi-language-python" &&
    run build-language-python go build -p "$jobs" -trimpath -ldflags "$ldflags" -o "$stage/pulumi-language-python" .)
else
  log "building the minimal pulumi-language-python..."
  build_minimal_host "$root" "$cli" "$stage/pulumi-language-python"
  lang_from="minimal host from scripts/minimal-language-host, against $mod_sdk@v$cli"
fi

# ------------------------------------------------------- helper scripts ----
for f in python/cmd/pulumi-language-python-exec python/dist/pulumi-resource-pulumi-python; do
  [[ -f $scripts_dir/$f ]] || die "$mod_sdk@v$scripts_v has no $f"
  cp "$scripts_dir/$f" "$stage/$(basename "$f")"
  chmod 0755 "$stage/$(basename "$f")"
done

[[ $want_yaml == 1 ]] && build_yaml_host "$stage"
[[ $want_nodejs == 1 ]] && build_sdk_host "$cli" "$stage"

got=$("$stage/pulumi" version 2>&1) || die "the built pulumi does not run: $got"
[[ $got == "v$cli" ]] || die "the built pulumi reports '$got', expected v$cli"

# ---------------------------------------------------------------- install --
mkdir -p "$dest"
rm -rf "$bin" "$dest"/failed-*.log
mv "$stage" "$bin"
cat >"$info_file" <<EOF
requested_version=$want
cli_version=$cli
cli_commit=${commit:-unknown}
language_host=$lang_from
python_scripts=$mod_sdk@v$scripts_v
EOF
[[ $lang_from == minimal* ]] && echo "minimal_host_sha256=$host_sha" >>"$info_file"
[[ $want_yaml == 1 ]] && echo "yaml_host=$mod_yaml@v$yaml_version" >>"$info_file"
if [[ $want_nodejs == 1 ]]; then
  install_codegen
  echo "sdk_host_sha256=$sdk_host_sha" >>"$info_file"
fi
log "installed $bin (pulumi $got)"
echo "$bin"
