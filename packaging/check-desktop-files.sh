#!/usr/bin/env bash
# The desktop entry and the AppStream metainfo, validated by the freedesktop tools.
set -euo pipefail
cd "$(dirname "$0")/../resources/linux"
desktop-file-validate org.exodesk.ExoDesk.desktop
appstreamcli validate --no-net --explain org.exodesk.ExoDesk.metainfo.xml
