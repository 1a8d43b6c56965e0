#!/usr/bin/env bash
# Vendor the front-end libraries into static/vendor/ from their npm packages.
#
# Usage:  bash scripts/vendor.sh
#
# To refresh: find the newest allowed patch with e.g.
#   npm view 'bootstrap@~5.3' version
# edit the version variables below, re-run, review `git diff static/vendor`.
#
# For each package this script:
#   1. runs `npm pack NAME@VERSION` in a throw-away directory under /tmp,
#   2. checks the tarball's sha512 against `npm view NAME@VERSION dist.integrity`
#      (and against the integrity npm pack itself reports); aborts on mismatch,
#   3. extracts only the needed dist files plus LICENSE,
#   4. strips trailing `//# sourceMappingURL=` / `/*# sourceMappingURL= */`
#      lines (the .map files are not shipped),
#   5. rewrites static/vendor/README.md with versions, integrity and licences.
# Bootstrap's scripts are not vendored: the pages used only its collapse (the small-screen menu), which
# static/js/app.js does in a few lines. Then Bootstrap's full CSS is moved out of the served folder (vendor/bootstrap/bootstrap.min.css, read by the
# tests) and PurgeCSS (installed into the throw-away directory, its tarball's integrity checked the same way;
# settings in scripts/purgecss.config.cjs) writes static/vendor/bootstrap/bootstrap.purged.min.css: only the
# rules whose classes the templates, scripts and Python code name. Re-run after using a new Bootstrap class.
# The map: Leaflet (its script and CSS; markers are drawn as circles and divIcons, so none of its images), the
# TopoJSON client, and the Caribbean basemap cut from world-atlas's Natural Earth 1:10m countries (public domain)
# by scripts/basemap.cjs (topojson-server and topojson-simplify installed into the throw-away directory, their
# tarballs' integrity checked like purgecss's, never served): static/vendor/world-atlas/caribbean.topo.json. The
# 3.7 MB world file itself is not kept.
# It is idempotent: each package directory is recreated from scratch.
set -euo pipefail

BOOTSTRAP_VERSION=5.3.9      # bootstrap@5.3.x
HTMX_VERSION=2.0.11          # htmx.org@2.0.x (stay on 2.x; 4.x is "latest" on npm)
SOCKETIO_VERSION=4.8.4       # socket.io-client@4.8.x (must match the server's protocol)
AXE_VERSION=4.14.1           # axe-core@4.x (browser tests only)
PURGECSS_VERSION=8.0.0       # purgecss@8.x (build step only: trims Bootstrap's CSS, never served)
LEAFLET_VERSION=1.9.4        # leaflet@1.9.x
TOPOJSON_CLIENT_VERSION=3.1.0    # topojson-client@3.x (served: the map turns the basemap into shapes)
WORLD_ATLAS_VERSION=2.0.2        # world-atlas@2.x (Natural Earth 1:10m; only the Caribbean cut is served)
TOPOJSON_SERVER_VERSION=3.0.1    # topojson-server@3.x (build step only: cuts the basemap, never served)
TOPOJSON_SIMPLIFY_VERSION=3.0.2  # topojson-simplify@3.x (build step only)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENDOR="$ROOT/static/vendor"
WORK=$(mktemp -d /tmp/vendor.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

command -v npm >/dev/null || { echo "vendor.sh: npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "vendor.sh: node is required" >&2; exit 1; }

ROWS=()

sri_sha512() {
    node -e 'const c=require("crypto"),f=require("fs");
process.stdout.write("sha512-"+c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$1"
}

# vendor_pkg NAME VERSION DEST_SUBDIR SRC:DEST [SRC:DEST ...]
# SRC is relative to the package root inside the tarball.
vendor_pkg() {
    local name=$1 version=$2 sub=$3 dest="$VENDOR/$3"
    shift 3
    local pkgdir="$WORK/$name"
    mkdir -p "$pkgdir"

    echo "==> $name@$version"
    local expected packed_json tarball packed_integrity actual licence
    expected=$(npm view "$name@$version" dist.integrity)
    licence=$(npm view "$name@$version" license)
    [ -n "$expected" ] || { echo "no dist.integrity for $name@$version" >&2; exit 1; }

    packed_json=$(cd "$pkgdir" && npm pack "$name@$version" --json --silent)
    tarball=$(node -e 'const d=JSON.parse(process.argv[1]);process.stdout.write(d[0].filename)' "$packed_json")
    packed_integrity=$(node -e 'const d=JSON.parse(process.argv[1]);process.stdout.write(d[0].integrity)' "$packed_json")
    actual=$(sri_sha512 "$pkgdir/$tarball")
    if [ "$actual" != "$expected" ] || [ "$packed_integrity" != "$expected" ]; then
        echo "INTEGRITY MISMATCH for $name@$version" >&2
        echo "  registry: $expected" >&2
        echo "  npm pack: $packed_integrity" >&2
        echo "  computed: $actual" >&2
        exit 1
    fi
    echo "    integrity OK: $actual"

    tar -xzf "$pkgdir/$tarball" -C "$pkgdir"
    rm -rf "$dest"
    mkdir -p "$dest"
    local pair src out
    for pair in "$@"; do
        src=${pair%%:*}
        out=${pair#*:}
        cp "$pkgdir/package/$src" "$dest/$out"
        case "$out" in
            *.js|*.css)
                sed -i -e '/^\/\/# sourceMappingURL=/d' \
                       -e '/^\/\*# sourceMappingURL=.*\*\/[[:space:]]*$/d' "$dest/$out"
                if grep -q 'sourceMappingURL=' "$dest/$out"; then
                    echo "vendor.sh: $out still references a source map" >&2
                    exit 1
                fi
                ;;
        esac
        chmod 0644 "$dest/$out"
        echo "    $sub/$out ($(wc -c <"$dest/$out") bytes)"
    done
    ROWS+=("| \`$name\` | $version | \`$expected\` | $licence | $(cd "$dest" && ls | sed "s|^|\`$sub/|; s|\$|\`|" | paste -sd' ' | sed 's/ /, /g') |")
}

vendor_pkg bootstrap "$BOOTSTRAP_VERSION" bootstrap \
    dist/css/bootstrap.min.css:bootstrap.min.css \
    LICENSE:LICENSE

# Bootstrap's full CSS is not served: PurgeCSS keeps what the platform uses (scripts/purgecss.config.cjs).
purge_bootstrap() {
    local full="$ROOT/vendor/bootstrap/bootstrap.min.css" out="$VENDOR/bootstrap/bootstrap.purged.min.css"
    local purge="$WORK/purgecss" expected installed
    mkdir -p "$ROOT/vendor/bootstrap" "$purge"
    mv "$VENDOR/bootstrap/bootstrap.min.css" "$full"
    echo "==> purgecss@$PURGECSS_VERSION"
    expected=$(npm view "purgecss@$PURGECSS_VERSION" dist.integrity)
    (cd "$purge" && npm install --no-save --ignore-scripts --no-audit --no-fund --silent "purgecss@$PURGECSS_VERSION")
    # npm checked every tarball against its lock entry; check purgecss's own against the registry as above.
    installed=$(node -e 'const d=require(process.argv[1]);process.stdout.write(d.packages["node_modules/purgecss"].integrity)' \
        "$purge/node_modules/.package-lock.json")
    if [ "$installed" != "$expected" ]; then
        echo "INTEGRITY MISMATCH for purgecss@$PURGECSS_VERSION: registry $expected, installed $installed" >&2
        exit 1
    fi
    echo "    integrity OK: $installed"
    (cd "$ROOT" && node -e '
const [purgeDir, root, css, out] = process.argv.slice(1);
const { PurgeCSS } = require(purgeDir + "/node_modules/purgecss");
const config = require(root + "/scripts/purgecss.config.cjs");
new PurgeCSS().purge({ ...config, css: [css] }).then(([result]) => require("fs").writeFileSync(out, result.css))
  .catch((error) => { console.error(error); process.exit(1); });' "$purge" "$ROOT" "$full" "$out")
    chmod 0644 "$out" "$full"
    echo "    bootstrap/bootstrap.purged.min.css ($(wc -c <"$out") bytes, from $(wc -c <"$full"))"
    ROWS[0]=${ROWS[0]//\`bootstrap\/bootstrap.min.css\`/\`bootstrap\/bootstrap.purged.min.css\` (full CSS in \`vendor\/bootstrap\/\`, not served)}
    ROWS+=("| \`purgecss\` | $PURGECSS_VERSION | \`$expected\` | MIT | none (build step: trims Bootstrap's CSS) |")
}
purge_bootstrap

vendor_pkg htmx.org "$HTMX_VERSION" htmx \
    dist/htmx.min.js:htmx.min.js \
    LICENSE:LICENSE

vendor_pkg socket.io-client "$SOCKETIO_VERSION" socket.io \
    dist/socket.io.min.js:socket.io.min.js \
    LICENSE:LICENSE

vendor_pkg leaflet "$LEAFLET_VERSION" leaflet \
    dist/leaflet.js:leaflet.js \
    dist/leaflet.css:leaflet.css \
    LICENSE:LICENSE

vendor_pkg topojson-client "$TOPOJSON_CLIENT_VERSION" topojson-client \
    dist/topojson-client.min.js:topojson-client.min.js \
    LICENSE:LICENSE

vendor_pkg world-atlas "$WORLD_ATLAS_VERSION" world-atlas \
    LICENSE:LICENSE

# install_checked DIR NAME@VERSION...: npm install build-only tools into DIR (never served); npm checks every
# tarball against its lock entry, and each named package's own integrity is checked against the registry here.
install_checked() {
    local dir=$1 spec name version expected installed
    shift
    mkdir -p "$dir"
    (cd "$dir" && npm install --no-save --ignore-scripts --no-audit --no-fund --silent "$@")
    for spec in "$@"; do
        name=${spec%@*}
        version=${spec##*@}
        expected=$(npm view "$name@$version" dist.integrity)
        installed=$(node -e 'const d=require(process.argv[1]);process.stdout.write(d.packages["node_modules/"+process.argv[2]].integrity)' \
            "$dir/node_modules/.package-lock.json" "$name")
        if [ "$installed" != "$expected" ]; then
            echo "INTEGRITY MISMATCH for $name@$version: registry $expected, installed $installed" >&2
            exit 1
        fi
        echo "    $name@$version integrity OK: $installed"
        INSTALLED_INTEGRITY[$name]=$installed
    done
}

# The Caribbean basemap, cut from the world file by scripts/basemap.cjs (see its header).
cut_basemap() {
    local tools="$WORK/basemap" world="$WORK/world-atlas/package/countries-10m.json"
    local out="$VENDOR/world-atlas/caribbean.topo.json"
    echo "==> basemap (topojson-server@$TOPOJSON_SERVER_VERSION, topojson-simplify@$TOPOJSON_SIMPLIFY_VERSION)"
    install_checked "$tools" "topojson-client@$TOPOJSON_CLIENT_VERSION" "topojson-server@$TOPOJSON_SERVER_VERSION" \
        "topojson-simplify@$TOPOJSON_SIMPLIFY_VERSION"
    node "$ROOT/scripts/basemap.cjs" "$tools" "$world" "$out"
    chmod 0644 "$out"
    echo "    world-atlas/caribbean.topo.json ($(wc -c <"$out") bytes, from $(wc -c <"$world"))"
    local last=$((${#ROWS[@]} - 1))
    ROWS[$last]=${ROWS[$last]//\`world-atlas\/LICENSE\`/\`world-atlas\/LICENSE\`, \`world-atlas\/caribbean.topo.json\` (cut from \`countries-10m.json\` by \`scripts\/basemap.cjs\`)}
    ROWS+=("| \`topojson-server\` | $TOPOJSON_SERVER_VERSION | \`${INSTALLED_INTEGRITY[topojson-server]}\` | ISC | none (build step: cuts the basemap) |")
    ROWS+=("| \`topojson-simplify\` | $TOPOJSON_SIMPLIFY_VERSION | \`${INSTALLED_INTEGRITY[topojson-simplify]}\` | ISC | none (build step: simplifies the basemap) |")
}
declare -A INSTALLED_INTEGRITY=()
cut_basemap

vendor_pkg axe-core "$AXE_VERSION" axe-core \
    axe.min.js:axe.min.js \
    LICENSE:LICENSE \
    LICENSE-3RD-PARTY.txt:LICENSE-3RD-PARTY.txt

{
    cat <<'EOF'
# Vendored front-end libraries

Generated by `scripts/vendor.sh` — do not edit these files by hand.
They are copied from the packages' npm tarballs (no CDN is used at run time).
Each tarball's sha512 was checked against the registry's `dist.integrity`
before extraction. Trailing `sourceMappingURL` comments were stripped because
the `.map` files are not shipped.

| package | version | npm integrity (tarball sha512) | licence | files |
| --- | --- | --- | --- | --- |
EOF
    printf '%s\n' "${ROWS[@]}"
    cat <<EOF

\`axe-core\` is used only by the browser tests, never by the served pages.
Leaflet, the TopoJSON client and the basemap load only on the pages that show a map (\`static/js/map.js\`).
The basemap \`world-atlas/caribbean.topo.json\` is Natural Earth's 1:10m countries (public domain,
<https://www.naturalearthdata.com/about/terms-of-use/>) as packaged by \`world-atlas\` (ISC), cut to the
Caribbean and simplified by \`scripts/basemap.cjs\` (checked by \`tests/unit/test_basemap.py\`); each country keeps
its ISO 3166-1 numeric id and its name, which \`platform/cmc/data/party_territories.csv\` maps to the parties.
Bootstrap's CSS is served trimmed by PurgeCSS to the rules the templates, scripts and Python code use
(\`scripts/purgecss.config.cjs\`, checked by \`tests/unit/test_purged_css.py\`); the full file is kept in
\`vendor/bootstrap/\` for that test and for the next trim. Using a Bootstrap class not used before: re-run
\`bash scripts/vendor.sh\`.
\`socket.io-client\` must stay protocol-compatible with the server's python-socketio
(Socket.IO protocol v5 / Engine.IO v4, i.e. client 4.x).

## Refreshing

Requires node and npm with access to the npm registry.

\`\`\`sh
# newest allowed versions within the pinned lines
npm view 'bootstrap@~5.3' version
npm view 'htmx.org@~2.0' version          # stay on 2.0.x: npm's "latest" tag is a newer major
npm view 'socket.io-client@~4.8' version
npm view 'axe-core@^4' version
npm view 'leaflet@~1.9' version
npm view 'topojson-client@^3' version
npm view 'world-atlas@^2' version

# edit BOOTSTRAP_VERSION / HTMX_VERSION / SOCKETIO_VERSION / AXE_VERSION / LEAFLET_VERSION / ...
# at the top of scripts/vendor.sh, then:
bash scripts/vendor.sh
git diff --stat static/vendor
\`\`\`

What the script does for each package, e.g. bootstrap:

\`\`\`sh
cd "\$(mktemp -d /tmp/vendor.XXXXXX)"
npm view bootstrap@$BOOTSTRAP_VERSION dist.integrity       # expected sha512
npm pack bootstrap@$BOOTSTRAP_VERSION                      # -> bootstrap-$BOOTSTRAP_VERSION.tgz
node -e 'const c=require("crypto");console.log("sha512-"+c.createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' bootstrap-$BOOTSTRAP_VERSION.tgz
tar -xzf bootstrap-$BOOTSTRAP_VERSION.tgz                  # -> package/
cp package/dist/css/bootstrap.min.css package/LICENSE <repo>/static/vendor/bootstrap/
sed -i -e '/^\/\/# sourceMappingURL=/d' -e '/^\/\*# sourceMappingURL=.*\*\/[[:space:]]*\$/d' <repo>/static/vendor/bootstrap/*.min.*
\`\`\`
EOF
} >"$VENDOR/README.md"

echo "==> wrote $VENDOR/README.md"
