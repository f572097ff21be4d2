# Shared by the setup scripts, which source it after they define log() and fail().
# It defines functions only.

# install_missing_packages COMMAND PACKAGE...
#
# Installs, with apt-get and without recommended packages, each PACKAGE that dpkg
# does not list as installed. It needs root only when something is missing; without
# root it fails with a hint to run COMMAND under sudo. It runs `apt-get update`
# only when apt has no candidate for a missing package, or once when an install
# fails, because stale package lists give 404 errors on download.
install_missing_packages() {
  local command=$1
  shift
  local missing=() pkg status candidate updated=false
  for pkg in "$@"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != installed ]]; then
      missing+=("$pkg")
    fi
  done

  if ((${#missing[@]} == 0)); then
    log "already installed: $*"
    return 0
  fi
  if ((EUID != 0)); then
    fail "installing ${missing[*]} needs root. Run: sudo $command"
  fi
  export DEBIAN_FRONTEND=noninteractive

  for pkg in "${missing[@]}"; do
    candidate=$(apt-cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
    if [[ -z "$candidate" || "$candidate" == "(none)" ]]; then
      log "apt has no candidate for $pkg, running apt-get update"
      apt-get update -q || fail "apt-get update failed"
      updated=true
      break
    fi
  done

  log "installing ${missing[*]}"
  if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    if [[ "$updated" == true ]]; then
      fail "apt-get install ${missing[*]} failed"
    fi
    log "apt-get install failed, running apt-get update and retrying"
    apt-get update -q || fail "apt-get update failed"
    apt-get install -y -q --no-install-recommends "${missing[@]}" ||
      fail "apt-get install ${missing[*]} failed"
  fi
}
