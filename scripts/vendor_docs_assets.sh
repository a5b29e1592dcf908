#!/usr/bin/env bash
# Vendors the browser assets that Great Expectations' Data Docs templates load from CDNs, so the
# cycle's data_docs/ folder opens offline (recon_pipeline/lib/quality/docs.py rewrites the pages'
# CDN URLs to these copies).
#
# Each package is fetched from the npm registry with `npm pack` at the exact version below (the
# version the GX 1.24 templates name; for the `@5`/`@6` ranges of the Vega CDN URLs, the newest
# release in that range when vendored), and only the dist files the pages use are copied,
# unchanged, with the package's license, into recon_pipeline/lib/quality/static/vendor/<dir>/.
# MANIFEST.json there records package, version, license, tarball integrity and files.
#
# Run by hand when the set changes, and commit the result:  bash scripts/vendor_docs_assets.sh
# Needs node and npm (registry access), tar.
set -euo pipefail
cd "$(dirname "$0")/.."

DEST=recon_pipeline/lib/quality/static/vendor

# package@version | dir under vendor/ | license file in the tarball ("-": the tarball has none,
# the text is written by missing_license below) | dist files copied (paths inside the tarball's
# package/ folder; a trailing / copies a whole folder)
SPECS=(
  "bootstrap@4.3.1|bootstrap|LICENSE|dist/css/bootstrap.min.css dist/js/bootstrap.min.js"
  "popper.js@1.12.9|popper.js|-|dist/umd/popper.min.js"
  "jquery@3.7.1|jquery|LICENSE.txt|dist/jquery.min.js"
  "bootstrap-table@1.19.1|bootstrap-table|LICENSE|dist/bootstrap-table.min.css dist/bootstrap-table.min.js dist/extensions/filter-control/bootstrap-table-filter-control.min.css dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
  "bootstrap-datepicker@1.9.0|bootstrap-datepicker|LICENSE|dist/css/bootstrap-datepicker.min.css dist/js/bootstrap-datepicker.min.js"
  "@forevolve/bootstrap-dark@1.1.0|bootstrap-dark|LICENSE|dist/css/bootstrap-prefers-dark.min.css"
  "@fortawesome/fontawesome-free@6.6.0|fontawesome-free|LICENSE.txt|css/all.min.css webfonts/"
  "vega@5.33.1|vega|-|build/vega.min.js"
  "vega-lite@5.23.0|vega-lite|LICENSE|build/vega-lite.min.js"
  "vega-embed@6.29.0|vega-embed|LICENSE|build/vega-embed.min.js"
)

# The license texts of the two packages whose npm tarballs carry none: popper.js (MIT, as its
# package.json and the banner of popper.min.js say) and vega (BSD-3-Clause: the LICENSE at the
# root of the vega/vega repository at tag v5.33.1).
missing_license() {
  case "$1" in
    popper.js)
      cat <<'MIT'
The MIT License (MIT)

Copyright (C) Federico Zivolo 2017

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
MIT
      ;;
    vega)
      cat <<'BSD'
Copyright (c) 2015-2023, University of Washington Interactive Data Lab
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its contributors
  may be used to endorse or promote products derived from this software
  without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT OWNER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
BSD
      ;;
    *)
      echo "no license text for $1" >&2
      return 1
      ;;
  esac
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
manifest="$work/manifest.jsonl"
: >"$manifest"
out="$work/vendor"
mkdir -p "$out"

for spec in "${SPECS[@]}"; do
  IFS='|' read -r pkg dir license files <<<"$spec"
  echo "vendoring $pkg -> $DEST/$dir"
  pack="$work/pack-$dir"
  mkdir -p "$pack"
  # --json: the tarball's file name and integrity; --ignore-scripts: nothing of the package runs
  (cd "$pack" && npm pack --silent --ignore-scripts --json "$pkg" >pack.json)
  tarball=$(node -e 'console.log(require(process.argv[1])[0].filename)' "$pack/pack.json")
  tar -xzf "$pack/$tarball" -C "$pack"
  src="$pack/package"
  for f in $files; do
    if [[ "$f" == */ ]]; then
      mkdir -p "$out/$dir/$f"
      cp -R "$src/$f." "$out/$dir/$f"
    else
      mkdir -p "$out/$dir/$(dirname "$f")"
      cp "$src/$f" "$out/$dir/$f"
    fi
  done
  if [[ "$license" == "-" ]]; then
    license=LICENSE
    missing_license "$dir" >"$out/$dir/LICENSE"
  else
    cp "$src/$license" "$out/$dir/$license"
  fi
  node -e '
    const path = require("path");
    const [packJson, dir, license, files] = process.argv.slice(1);
    const p = require(packJson)[0];
    const meta = require(path.join(path.dirname(packJson), "package", "package.json"));
    console.log(JSON.stringify({package: p.name, version: p.version, license: meta.license,
      integrity: p.integrity, dir, license_file: license, files: files.split(" ")}));
  ' "$pack/pack.json" "$dir" "$license" "$files" >>"$manifest"
done

node -e '
  const fs = require("fs");
  const rows = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
  fs.writeFileSync(process.argv[2], JSON.stringify({
    about: "Browser assets of the Great Expectations Data Docs pages, vendored from the npm " +
           "registry by scripts/vendor_docs_assets.sh; files copied unchanged from each tarball.",
    packages: rows}, null, 2) + "\n");
' "$manifest" "$out/MANIFEST.json"

# Swap the new set in only once every package came through.
rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
cp -R "$out" "$DEST"
du -sh "$DEST"
