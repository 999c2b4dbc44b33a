#!/bin/sh
# Installs the model-compose executable for this machine.
#
#   curl -fsSL https://github.com/model-compose/model-compose-ts/releases/latest/download/install.sh | sh
#
# Environment:
#   MODEL_COMPOSE_VERSION   release to install, e.g. 0.1.0 (default: latest)
#   MODEL_COMPOSE_BASE_URL  directory holding the release files (overrides the version URL)
#   MODEL_COMPOSE_OS        linux | darwin   (default: from uname -s)
#   MODEL_COMPOSE_ARCH      x64 | arm64      (default: from uname -m)
#   PREFIX                  install into $PREFIX/bin (default: /usr/local/bin when root
#                           or writable, otherwise $HOME/.local/bin)
#   NO_COLOR                disable colored messages
#
# The whole script lives in functions and runs from the last line, so a
# download that is cut short while piped into sh never runs half a script.

set -eu

REPO_URL="https://github.com/model-compose/model-compose-ts"
BIN_NAME="model-compose"
SUPPORTED="linux-x64, linux-arm64, darwin-x64, darwin-arm64"

tmp_dir=""
staged=""

# ---- messages ---------------------------------------------------------------

if [ -t 2 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != "dumb" ]; then
  c_bold=$(printf '\033[1m')
  c_red=$(printf '\033[31m')
  c_yellow=$(printf '\033[33m')
  c_reset=$(printf '\033[0m')
else
  c_bold=""
  c_red=""
  c_yellow=""
  c_reset=""
fi

say() {
  printf '%sinstall.sh:%s %s\n' "$c_bold" "$c_reset" "$*" >&2
}

warn() {
  printf '%sinstall.sh:%s %swarning:%s %s\n' "$c_bold" "$c_reset" "$c_yellow" "$c_reset" "$*" >&2
}

die() {
  printf '%sinstall.sh:%s %serror:%s %s\n' "$c_bold" "$c_reset" "$c_red" "$c_reset" "$*" >&2
  exit 1
}

cleanup() {
  if [ -n "$staged" ]; then
    rm -f "$staged"
  fi
  if [ -n "$tmp_dir" ]; then
    rm -rf "$tmp_dir"
  fi
}

# ---- platform ---------------------------------------------------------------

detect_os() {
  raw_os=${MODEL_COMPOSE_OS:-$(uname -s)}
  case $raw_os in
    Linux | linux) os=linux ;;
    Darwin | darwin) os=darwin ;;
    *) die "unsupported operating system '$raw_os'; supported platforms: $SUPPORTED" ;;
  esac
}

detect_arch() {
  raw_arch=${MODEL_COMPOSE_ARCH:-$(uname -m)}
  case $raw_arch in
    x86_64 | amd64 | x64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported architecture '$raw_arch' (on $os); supported platforms: $SUPPORTED" ;;
  esac
  # A shell running under Rosetta 2 reports x86_64 on Apple silicon; the
  # native arm64 build is the right one there.
  if [ -z "${MODEL_COMPOSE_ARCH:-}" ] && [ "$os" = darwin ] && [ "$arch" = x64 ]; then
    if [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || true)" = 1 ]; then
      arch=arm64
    fi
  fi
}

# ---- download ---------------------------------------------------------------

pick_downloader() {
  if command -v curl >/dev/null 2>&1; then
    downloader=curl
  elif command -v wget >/dev/null 2>&1; then
    downloader=wget
  else
    die "neither curl nor wget was found; install one of them and run this script again"
  fi
}

# download URL FILE
download() {
  if [ "$downloader" = curl ]; then
    curl -fsSL --retry 3 -o "$2" "$1" </dev/null || die "failed to download $1"
  else
    wget -q -O "$2" "$1" </dev/null || die "failed to download $1"
  fi
}

# ---- checksum ---------------------------------------------------------------

# sha256_of FILE -> prints the lowercase hex digest
sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    digest=$(sha256sum "$1" </dev/null) || die "sha256sum failed on $1"
  elif command -v shasum >/dev/null 2>&1; then
    digest=$(shasum -a 256 "$1" </dev/null) || die "shasum failed on $1"
  else
    die "neither sha256sum nor shasum was found; one is needed to verify the download"
  fi
  printf '%s\n' "${digest%% *}" | tr 'A-F' 'a-f'
}

# verify FILE SUMFILE URL
verify() {
  expected=""
  # The file is "<hex>  <name>"; only the first word matters.
  read -r expected _rest <"$2" || true
  expected=$(printf '%s\n' "$expected" | tr -d '\r' | tr 'A-F' 'a-f')
  case $expected in
    *[!0-9a-f]* | "") die "malformed checksum file $3 (expected '<sha256>  <name>')" ;;
  esac
  if [ "${#expected}" -ne 64 ]; then
    die "malformed checksum file $3 (expected '<sha256>  <name>')"
  fi
  actual=$(sha256_of "$1")
  if [ "$actual" != "$expected" ]; then
    die "checksum mismatch for $asset: expected $expected, got $actual; nothing was installed"
  fi
}

# ---- install location -------------------------------------------------------

choose_bin_dir() {
  if [ -n "${PREFIX:-}" ]; then
    bin_dir="${PREFIX%/}/bin"
  elif [ "$(id -u)" = 0 ] || { [ -d /usr/local/bin ] && [ -w /usr/local/bin ]; }; then
    bin_dir=/usr/local/bin
  elif [ -n "${HOME:-}" ]; then
    bin_dir="${HOME%/}/.local/bin"
  else
    die "cannot choose an install directory: PREFIX and HOME are both unset"
  fi
}

install_binary() {
  mkdir -p "$bin_dir" || die "cannot create $bin_dir"
  target="$bin_dir/$BIN_NAME"
  # Stage next to the target so the final mv is a rename on one file system:
  # a running or concurrently started model-compose never sees a partial file.
  staged="$bin_dir/.$BIN_NAME.tmp.$$"
  cp "$tmp_dir/$asset" "$staged" || die "cannot write to $bin_dir (set PREFIX to install elsewhere)"
  chmod 755 "$staged" || die "cannot chmod $staged"
  mv -f "$staged" "$target" || die "cannot move $staged to $target"
  staged=""
}

path_hint() {
  case ":${PATH:-}:" in
    *":$bin_dir:"* | *":$bin_dir/:"*) ;;
    *)
      # shellcheck disable=SC2016 # $PATH is meant literally in the hint
      say "$bin_dir is not on your PATH; add it with: export PATH=\"$bin_dir:\$PATH\" (e.g. in ~/.profile)"
      ;;
  esac
}

# ---- main -------------------------------------------------------------------

main() {
  detect_os
  detect_arch
  asset="$BIN_NAME-$os-$arch"

  version=${MODEL_COMPOSE_VERSION:-}
  version=${version#v}
  if [ -n "${MODEL_COMPOSE_BASE_URL:-}" ]; then
    base_url=$MODEL_COMPOSE_BASE_URL
  elif [ -n "$version" ]; then
    base_url="$REPO_URL/releases/download/v$version"
  else
    base_url="$REPO_URL/releases/latest/download"
  fi
  base_url=${base_url%/}

  choose_bin_dir
  pick_downloader

  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  tmp_dir=$(mktemp -d 2>/dev/null || mktemp -d -t model-compose) || die "cannot create a temporary directory"

  say "downloading $asset${version:+ $version} from $base_url"
  download "$base_url/$asset" "$tmp_dir/$asset"
  download "$base_url/$asset.sha256" "$tmp_dir/$asset.sha256"
  verify "$tmp_dir/$asset" "$tmp_dir/$asset.sha256" "$base_url/$asset.sha256"

  install_binary

  installed_version=$("$target" --version </dev/null 2>&1) ||
    die "installed $target, but '$target --version' failed: $installed_version"
  say "Installed $installed_version to $target"
  path_hint
}

main "$@"
