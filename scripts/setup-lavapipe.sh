#!/usr/bin/env bash
# Set up lavapipe (Mesa's CPU Vulkan driver) for Dawn, the WebGPU implementation
# behind the `webgpu` npm package, so that WebGPU compute runs on machines with
# no GPU.
#
# Steps:
#   1. Install the Vulkan loader and the shared libraries that lavapipe links
#      against from the machine's own Debian suite (apt-get, needs root).
#   2. Download `mesa-vulkan-drivers` from the <codename>-backports suite with a
#      private apt state under .cache/lavapipe/apt and unpack it with dpkg-deb
#      into .cache/lavapipe/mesa. Nothing from backports is installed
#      system-wide.
#   3. Write .cache/lavapipe/lvp_icd.json, the Vulkan ICD manifest that
#      src/gpu/node-webgpu.ts passes to the loader through VK_ICD_FILENAMES.
#   4. Check with `ldd -r` that every library and symbol that libvulkan_lvp.so
#      needs resolves against the system libraries, so no LD_LIBRARY_PATH is
#      needed.
#
# Why backports: Dawn (webgpu 0.6.2) rejects the Mesa 22 lavapipe of Debian 12
# (bookworm) because it lacks shaderUniform*ArrayDynamicIndexing. Mesa 25 from
# bookworm-backports works.
#
# The script is idempotent. A rerun skips the download when the driver is
# already unpacked, unless --refresh is given.

set -euo pipefail

readonly PACKAGE=mesa-vulkan-drivers

# Debian packages that provide the Vulkan loader and every library named in
# the DT_NEEDED entries of libvulkan_lvp.so from mesa-vulkan-drivers
# 25.0.7-2~bpo12+1. The `ldd -r` check below fails with the missing sonames if
# a newer backports build needs more.
readonly SYSTEM_PACKAGES=(
  libvulkan1
  libllvm15
  zlib1g
  libzstd1
  libdrm2
  libexpat1
  libxcb1
  libxcb-randr0
  libx11-xcb1
  libxcb-dri3-0
  libxcb-present0
  libxcb-xfixes0
  libxcb-sync1
  libxcb-shm0
  libxshmfence1
  libwayland-client0
  libstdc++6
  libgcc-s1
  libc6
)

log() {
  printf 'setup-lavapipe: %s\n' "$*"
}

fail() {
  printf 'setup-lavapipe: error: %s\n' "$*" >&2
  exit 1
}

usage() {
  cat <<'EOF'
Usage: bash scripts/setup-lavapipe.sh [--refresh]

Installs the Vulkan loader and unpacks Mesa's lavapipe driver from the Debian
backports suite into .cache/lavapipe/ under the repository root.

Options:
  --refresh   download mesa-vulkan-drivers again even if it is already unpacked
  -h, --help  print this help

Environment:
  LAVAPIPE_SUITE  apt suite to download mesa-vulkan-drivers from
                  (default: <codename>-backports, e.g. bookworm-backports)
EOF
}

refresh=false
while (($# > 0)); do
  case "$1" in
    --refresh) refresh=true ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      fail "unknown argument: $1"
      ;;
  esac
  shift
done

repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/apt-install.sh
. "$repo_root/scripts/apt-install.sh"
cache_dir="$repo_root/.cache/lavapipe"
mesa_dir="$cache_dir/mesa"
apt_dir="$cache_dir/apt"
version_file="$cache_dir/$PACKAGE.version"
icd_file="$cache_dir/lvp_icd.json"

require_command() {
  command -v "$1" >/dev/null 2>&1 || fail "command '$1' not found. $2"
}

# --- Preconditions -----------------------------------------------------------

[[ -r /etc/os-release ]] || fail "/etc/os-release is missing, so the Debian release is unknown"
# shellcheck disable=SC1091
os_id=$(. /etc/os-release && printf '%s' "${ID:-}")
# shellcheck disable=SC1091
codename=$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")
if [[ "$os_id" != debian || -z "$codename" ]]; then
  fail "this script supports Debian only (found ID='$os_id', VERSION_CODENAME='$codename')"
fi
suite=${LAVAPIPE_SUITE:-$codename-backports}

for cmd in apt-get apt-cache dpkg-query dpkg-deb ldd flock; do
  require_command "$cmd" "It ships with Debian's base system (apt, dpkg, libc-bin, util-linux)."
done

mkdir -p "$cache_dir" || fail "cannot create $cache_dir"
[[ -w "$cache_dir" ]] || fail "$cache_dir is not writable by $(id -un). Run the script as the user that owns it, or as root."
# Serialize concurrent runs, e.g. two test jobs that both call this script.
exec 9>"$cache_dir/.lock"
flock 9

log "repository: $repo_root"
log "Debian release: $codename, driver suite: $suite"

# --- 1. System packages ------------------------------------------------------

install_missing_packages "bash scripts/setup-lavapipe.sh" "${SYSTEM_PACKAGES[@]}"

# --- 2. Download and unpack mesa-vulkan-drivers -----------------------------

# Prints one deb822 stanza per enabled "deb" source of the system whose Suites
# field contains the release codename. Each stanza keeps the system's URIs and
# Signed-By key file but names $suite instead. The mirror URIs are copied from
# the machine's own apt sources at run time, so this script names no host.
write_private_sources() {
  local found=false file
  shopt -s nullglob
  for file in /etc/apt/sources.list.d/*.sources; do
    # Paragraph mode: one record per stanza. Comment lines are dropped and
    # continuation lines (leading blank) are folded into the previous field.
    if awk -v codename="$codename" -v suite="$suite" '
      BEGIN { RS = ""; FS = "\n"; printed = 0 }
      {
        delete field
        name = ""
        for (i = 1; i <= NF; i++) {
          line = $i
          if (line ~ /^#/) continue
          if (line ~ /^[ \t]/) {
            if (name != "") field[name] = field[name] " " line
            continue
          }
          colon = index(line, ":")
          if (colon == 0) continue
          name = tolower(substr(line, 1, colon - 1))
          field[name] = substr(line, colon + 1)
        }
        if (tolower(field["enabled"]) ~ /no/) next
        if ((" " field["types"] " ") !~ /[ \t]deb[ \t]/) next
        if ((" " field["suites"] " ") !~ ("[ \t]" codename "[ \t]")) next
        uris = field["uris"]
        gsub(/^[ \t]+|[ \t]+$/, "", uris)
        gsub(/[ \t]+/, " ", uris)
        if (uris == "") next
        signed_by = field["signed-by"]
        gsub(/^[ \t]+|[ \t]+$/, "", signed_by)
        print "Types: deb"
        print "URIs: " uris
        print "Suites: " suite
        print "Components: main"
        # Only a key file path is kept. Without Signed-By, apt falls back to
        # the keyrings in /etc/apt/trusted.gpg.d.
        if (signed_by ~ /^\/[^ \t]*$/) print "Signed-By: " signed_by
        print ""
        printed = 1
      }
      END { exit printed ? 0 : 1 }
    ' "$file"; then
      found=true
    fi
  done
  shopt -u nullglob

  # Fallback for machines that still use the one-line format.
  if [[ "$found" == false && -r /etc/apt/sources.list ]]; then
    if awk -v codename="$codename" -v suite="$suite" '
      BEGIN { printed = 0 }
      $1 != "deb" { next }
      {
        i = 2
        signed_by = ""
        if ($i ~ /^\[/) {
          while (i <= NF) {
            if (match($i, /signed-by=[^] \t]+/)) signed_by = substr($i, RSTART + 10, RLENGTH - 10)
            if ($i ~ /\]$/) { i++; break }
            i++
          }
        }
        if ($(i + 1) != codename) next
        print "Types: deb"
        print "URIs: " $i
        print "Suites: " suite
        print "Components: main"
        if (signed_by ~ /^\//) print "Signed-By: " signed_by
        print ""
        printed = 1
      }
      END { exit printed ? 0 : 1 }
    ' /etc/apt/sources.list; then
      found=true
    fi
  fi

  [[ "$found" == true ]]
}

download_driver() {
  local sources_dir="$apt_dir/sources.list.d"
  rm -rf "$apt_dir"
  mkdir -p "$sources_dir" "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/preferences.d"
  : >"$apt_dir/sources.list"

  if ! write_private_sources >"$sources_dir/driver.sources"; then
    fail "no enabled 'deb' source for suite '$codename' found in /etc/apt/sources.list.d/*.sources or /etc/apt/sources.list, so the mirror for '$suite' is unknown"
  fi
  log "private apt sources for $suite (mirror URIs copied from the system's apt sources):"
  sed -e '/^$/d' -e 's/^/    /' "$sources_dir/driver.sources"

  # Private lists, caches, sources and preferences: the system's apt state and
  # installed packages stay untouched. Settings from /etc/apt/apt.conf.d, such
  # as proxies, still apply.
  local apt_options=(
    -o "Dir::Etc::SourceList=$apt_dir/sources.list"
    -o "Dir::Etc::SourceParts=$sources_dir"
    -o "Dir::Etc::Preferences=$apt_dir/preferences"
    -o "Dir::Etc::PreferencesParts=$apt_dir/preferences.d"
    -o "Dir::State::Lists=$apt_dir/lists"
    -o "Dir::Cache=$apt_dir/cache"
  )

  log "updating the private package lists for $suite"
  apt-get "${apt_options[@]}" update -q || fail "apt-get update of the private $suite lists failed"

  local version
  version=$(apt-cache "${apt_options[@]}" policy "$PACKAGE" | sed -n 's/^ *Candidate: //p')
  if [[ -z "$version" || "$version" == "(none)" ]]; then
    fail "package $PACKAGE not found in suite $suite"
  fi

  # apt downloads as the unprivileged _apt user, so the target folder must be
  # writable by it. Otherwise apt warns and downloads as root.
  local download_dir
  download_dir=$(mktemp -d "${TMPDIR:-/tmp}/setup-lavapipe.XXXXXX")
  if ((EUID == 0)) && id -u _apt >/dev/null 2>&1; then
    chown _apt "$download_dir"
  fi

  log "downloading $PACKAGE $version"
  if ! (cd "$download_dir" && apt-get "${apt_options[@]}" download -q "$PACKAGE=$version"); then
    rm -rf "$download_dir"
    fail "apt-get download $PACKAGE=$version failed"
  fi

  local deb_files=("$download_dir"/"$PACKAGE"_*.deb)
  if [[ ! -f "${deb_files[0]}" ]]; then
    rm -rf "$download_dir"
    fail "apt-get download did not produce a $PACKAGE .deb file in $download_dir"
  fi

  # Unpack next to the old copy and swap, so an interrupted run never leaves a
  # half-unpacked driver behind.
  local staging_dir="$cache_dir/mesa.partial"
  rm -rf "$staging_dir"
  mkdir -p "$staging_dir"
  log "unpacking $(basename -- "${deb_files[0]}") into $mesa_dir"
  if ! dpkg-deb -x "${deb_files[0]}" "$staging_dir"; then
    rm -rf "$download_dir" "$staging_dir"
    fail "dpkg-deb -x ${deb_files[0]} failed"
  fi
  rm -rf "$download_dir" "$mesa_dir"
  mv "$staging_dir" "$mesa_dir"
  printf '%s\n' "$version" >"$version_file"
}

find_driver_library() {
  find "$mesa_dir" -name libvulkan_lvp.so -type f -print -quit 2>/dev/null || true
}

driver_library=""
if [[ -d "$mesa_dir" ]]; then
  driver_library=$(find_driver_library)
fi

if [[ "$refresh" == false && -n "$driver_library" && -s "$version_file" ]]; then
  log "$PACKAGE $(<"$version_file") already unpacked in $mesa_dir (use --refresh to download again)"
else
  download_driver
  driver_library=$(find_driver_library)
  [[ -n "$driver_library" ]] || fail "libvulkan_lvp.so not found in the unpacked $PACKAGE under $mesa_dir"
fi

# --- 3. ICD manifest ---------------------------------------------------------

# The Vulkan API version comes from the manifest that Mesa ships, so it matches
# the unpacked build.
shipped_manifest=$(find "$mesa_dir" -name lvp_icd.json -type f -print -quit)
api_version=""
if [[ -n "$shipped_manifest" ]]; then
  api_version=$(sed -n 's/.*"api_version"[^"]*"\([0-9.]*\)".*/\1/p' "$shipped_manifest" | head -n 1)
fi
if [[ -z "$api_version" ]]; then
  fail "could not read api_version from lvp_icd.json in $mesa_dir"
fi

# The loader resolves a relative library_path against the manifest's own
# folder, so the cache keeps working if the repository is moved.
relative_library=".${driver_library#"$cache_dir"}"
cat >"$icd_file.tmp" <<EOF
{
    "file_format_version": "1.0.0",
    "ICD": {
        "library_path": "$relative_library",
        "api_version": "$api_version"
    }
}
EOF
mv "$icd_file.tmp" "$icd_file"
log "wrote $icd_file (library_path $relative_library, api_version $api_version)"

# --- 4. Check that the system libraries satisfy the driver ------------------

# `ldd -r` also resolves every symbol, which catches a system library that is
# present but too old. The package declares Depends: libdrm2 (>= 2.4.121), but
# lavapipe uses only symbols that bookworm's libdrm2 2.4.114 provides.
ldd_output=$(ldd -r "$driver_library" 2>&1) || fail "ldd -r $driver_library failed: $ldd_output"
missing_libraries=$(printf '%s\n' "$ldd_output" | grep -E 'not found|undefined symbol' || true)
if [[ -n "$missing_libraries" ]]; then
  printf '%s\n' "$missing_libraries" >&2
  fail "libvulkan_lvp.so needs libraries or symbols that the system does not provide (listed above). Install the Debian packages that provide them and rerun."
fi
log "ldd -r: every library and symbol of libvulkan_lvp.so resolves against system libraries"

log "done. src/gpu/node-webgpu.ts sets VK_ICD_FILENAMES=$icd_file by itself."
log "for other programs: export VK_ICD_FILENAMES=$icd_file"
