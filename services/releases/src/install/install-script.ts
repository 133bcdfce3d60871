// The provider installer served at GET /install.sh (docs/provider-guide.md#install).
// POSIX sh: it runs on a stock macOS or Linux with curl, tar and shasum/sha256sum.

/** Escapes a value for a double-quoted sh string. */
const dq = (s: string): string => s.replace(/[\\"$`]/g, "\\$&");

/**
 * The script, with `coordinatorUrl` (http[s]://host[:port], no trailing slash) as the default
 * coordinator: it detects the platform, reads `/v1/releases/latest?platform=…`, downloads the
 * artifact, checks its SHA-256 against the release, unpacks it into
 * `$DARKBLOOM_HOME/versions/<version>`, points `versions/current` at it, and has the installed
 * version write its launchd/systemd service (`darkbloom install-service`).
 */
export function installScript(coordinatorUrl: string): string {
  return `#!/bin/sh
# Darkbloom provider installer (served by the coordinator at /install.sh).
#   curl -fsSL ${coordinatorUrl}/install.sh | sh
# Environment:
#   DARKBLOOM_HOME         install prefix (default: ~/.darkbloom)
#   DARKBLOOM_COORDINATOR  coordinator base URL (default: ${coordinatorUrl})
#   DARKBLOOM_PLATFORM     override the detected platform (darwin-arm64, linux-x64, linux-arm64)
#   DARKBLOOM_NO_SERVICE=1 write the service file but do not enable or start it
set -eu

COORDINATOR="\${DARKBLOOM_COORDINATOR:-${dq(coordinatorUrl)}}"
DARKBLOOM_HOME="\${DARKBLOOM_HOME:-$HOME/.darkbloom}"
export DARKBLOOM_HOME

fail() { echo "darkbloom install: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is required but not installed"; }
need curl
need tar
need uname

os=$(uname -s)
arch=$(uname -m)
case "$os" in
  Darwin) os=darwin ;;
  Linux) os=linux ;;
  *) fail "unsupported operating system: $os" ;;
esac
case "$arch" in
  arm64 | aarch64) arch=arm64 ;;
  x86_64 | amd64) arch=x64 ;;
  *) fail "unsupported CPU: $arch" ;;
esac
platform="\${DARKBLOOM_PLATFORM:-$os-$arch}"
echo "darkbloom: installing for $platform from $COORDINATOR into $DARKBLOOM_HOME"

latest=$(curl -fsSL "$COORDINATOR/v1/releases/latest?platform=$platform") ||
  fail "no release is registered for $platform at $COORDINATOR"
version=$(printf '%s' "$latest" | sed -n 's/.*"version":"\\([^"]*\\)".*/\\1/p' | head -n 1)
case "$version" in
  "" | *[!0-9A-Za-z.+-]*) fail "the coordinator answered an invalid release version: '$version'" ;;
esac
artifact=$(printf '%s' "$latest" | tr '{}' '\\n\\n' | grep "\\"platform\\":\\"$platform\\"" | head -n 1) ||
  fail "release $version has no artifact for $platform"
url=$(printf '%s' "$artifact" | sed -n 's/.*"url":"\\([^"]*\\)".*/\\1/p')
sha256=$(printf '%s' "$artifact" | sed -n 's/.*"sha256":"\\([0-9a-f]\\{64\\}\\)".*/\\1/p')
[ -n "$url" ] && [ -n "$sha256" ] || fail "release $version's $platform artifact has no url or sha256"

mkdir -p "$DARKBLOOM_HOME/versions"
download="$DARKBLOOM_HOME/versions/$version.download"
echo "darkbloom: downloading $version ($url)"
curl -fL --retry 3 -C - -o "$download" "$url" || fail "download failed: $url"
if command -v sha256sum >/dev/null 2>&1; then
  got=$(sha256sum "$download" | cut -d ' ' -f 1)
else
  got=$(shasum -a 256 "$download" | cut -d ' ' -f 1)
fi
if [ "$got" != "$sha256" ]; then
  rm -f "$download"
  fail "SHA-256 $got of the download does not match the release's $sha256; nothing was installed"
fi

dest="$DARKBLOOM_HOME/versions/$version"
rm -rf "$dest.unpack"
mkdir -p "$dest.unpack"
tar -xzf "$download" -C "$dest.unpack" || fail "cannot unpack $download"
rm -f "$download"
[ -x "$dest.unpack/bin/darkbloom" ] || fail "release $version has no bin/darkbloom"
rm -rf "$dest"
mv "$dest.unpack" "$dest"
"$dest/bin/darkbloom" version >/dev/null || fail "release $version does not run on this machine"
ln -sfn "$version" "$DARKBLOOM_HOME/versions/current"
echo "darkbloom: $version installed (sha256 verified)"

if [ "\${DARKBLOOM_NO_SERVICE:-0}" = 1 ]; then
  "$dest/bin/darkbloom" install-service --coordinator "$COORDINATOR" --no-enable
else
  "$dest/bin/darkbloom" install-service --coordinator "$COORDINATOR"
fi
echo "darkbloom: add $DARKBLOOM_HOME/bin to your PATH, then run: darkbloom login"
`;
}
