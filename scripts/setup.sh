#!/usr/bin/env bash
# Installs what KubeSift needs on Debian or Ubuntu: libarchive, ISA-L and the compression libraries it links,
# and the compressors the test suite uses to build its fixtures. Idempotent: installs only what is missing.
set -euo pipefail

packages=(libarchive-dev libisal-dev zlib1g-dev libzstd-dev liblzma-dev libsqlite3-dev pkg-config gzip bzip2 xz-utils zstd lz4 tar zip unzip)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v swift >/dev/null || { echo "setup: a Swift 6 toolchain is required (https://www.swift.org/install/)" >&2; exit 1; }
