/* Atlas maps (Leaflet 1.9, plain ES2017, no build step, loaded with `defer`).
 *
 * [data-atlas-map="search"]: clusters computed by the server (/api/v1/map/clusters) for the
 *   current view and search filters (data-query); reloaded on moveend (debounced, the previous
 *   request aborted) and when data-query changes (htmx swaps, scripts).
 * [data-atlas-map="organisation"]: the establishments of one organisation (GeoJSON in a
 *   json_script element named by data-geojson-id).
 *
 * Markers are keyboard-focusable buttons with accessible names (Enter or Space activates them);
 * clusters zoom to their members, points open a popup linking to the organisation page. Motion is off under
 * prefers-reduced-motion. Without JavaScript the result list carries the same content.
 *
 * ESS families (data-families, directory/families.py): a point's `f` and a cluster's `fc`
 * (counts per family) give each marker a colour and a letter (told apart without colour); a
 * cluster takes its dominant family's, its ring the share of each (CSS custom properties set
 * through the CSSOM: the CSP forbids style attributes). A point's popup loads the address from
 * the organisation API (data-detail-url). Base-map tiles: data-tile-url (empty: plain
 * background), attribution text escaped here and linked to data-tile-attribution-url.
 */
(function () {
  "use strict";

  var FRANCE = [[41.3, -5.2], [51.1, 9.6]]; // France métropolitaine (south-west, north-east)
  var MAX_ZOOM = 18;
  var DEBOUNCE_MS = 250;
  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var numberFormat = new Intl.NumberFormat(document.documentElement.lang || "fr");

  function label(el, name, values) {
    var text = el.getAttribute("data-label-" + name) || "";
    Object.keys(values || {}).forEach(function (key) {
      text = text.split("{" + key + "}").join(values[key]);
    });
    return text;
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function families(el) {
    try {
      return JSON.parse(el.getAttribute("data-families") || "[]");
    } catch (error) {
      return [];
    }
  }

  function familyOf(list, index) {
    return list[index] || list[list.length - 1] || { letter: "", css: "", label: "", plural: "" };
  }

  /* The first largest count of `counts` (a cluster's colour). */
  function dominant(counts) {
    var best = 0;
    (counts || []).forEach(function (n, i) { if (n > counts[best]) best = i; });
    return best;
  }

  function attribution(el) {
    var text = escapeHtml(el.getAttribute("data-tile-attribution") || "");
    var url = el.getAttribute("data-tile-attribution-url") || "";
    if (!text || !/^https?:\/\//.test(url)) return text;
    return '<a href="' + escapeHtml(url) + '">' + text + "</a>";
  }

  function createMap(el) {
    var options = {
      maxZoom: MAX_ZOOM,
      minZoom: 2,
      worldCopyJump: false,
      zoomAnimation: !reducedMotion,
      fadeAnimation: !reducedMotion,
      markerZoomAnimation: !reducedMotion,
      inertia: !reducedMotion,
      zoomControl: false,
    };
    // The text shown when the map cannot start (no JavaScript, Leaflet not loaded).
    el.querySelectorAll(".atlas-map-fallback").forEach(function (node) { node.remove(); });
    var map = L.map(el, options);
    L.control.zoom({
      zoomInTitle: label(el, "zoom-in") || "+",
      zoomOutTitle: label(el, "zoom-out") || "−",
    }).addTo(map);
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tileUrl = el.getAttribute("data-tile-url");
    if (tileUrl) {
      var tileMax = parseInt(el.getAttribute("data-tile-max-zoom"), 10);
      L.tileLayer(tileUrl, {
        maxZoom: MAX_ZOOM,
        maxNativeZoom: tileMax >= 0 ? Math.min(tileMax, MAX_ZOOM) : MAX_ZOOM,
        attribution: attribution(el),
      }).addTo(map);
    } else {
      el.classList.add("atlas-map-plain");
    }
    el.setAttribute("aria-label", label(el, "map") || el.getAttribute("aria-label") || "");
    return map;
  }

  /* A focusable marker: role button, accessible name, Enter/Space activate (Leaflet handles
   * Enter; Space is added here). */
  function accessibleMarker(latlng, icon, name, onActivate, onAdd) {
    var marker = L.marker(latlng, { icon: icon, keyboard: true, title: name, riseOnHover: true });
    marker.on("add", function () {
      var node = marker.getElement();
      if (!node) return;
      if (onAdd) onAdd(node);
      node.setAttribute("role", "button");
      node.setAttribute("aria-label", name);
      node.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " " || event.key === "Spacebar") {
          event.preventDefault();
          event.stopPropagation();
          onActivate(true);
        }
      });
    });
    marker.on("click", function () { onActivate(false); });
    return marker;
  }

  function clusterIcon(n, family) {
    var size = Math.round(34 + 9 * Math.log10(n));
    var tier = n < 10 ? "s" : n < 1000 ? "m" : "l";
    return L.divIcon({
      className: "atlas-cluster atlas-cluster-" + tier + " " + family.css,
      html: '<span class="atlas-cluster-inner"><span class="atlas-cluster-n">' + numberFormat.format(n) +
        '</span><span class="atlas-cluster-letter" aria-hidden="true" data-letter="' + escapeHtml(family.letter) + '"></span></span>',
      iconSize: [size, size],
    });
  }

  /* The ring of a cluster: cumulative shares of each family, as custom properties. */
  function setRing(node, counts, n) {
    var sum = 0;
    for (var i = 0; i < 5; i++) {
      sum += (counts && counts[i]) || 0;
      node.style.setProperty("--atlas-s" + i, (100 * sum / n).toFixed(1) + "%");
    }
  }

  /* "15 associations, 8 coopératives" (singular for one). */
  function breakdown(list, counts) {
    var parts = [];
    (counts || []).forEach(function (count, i) {
      if (!count) return;
      var family = familyOf(list, i);
      parts.push(numberFormat.format(count) + " " + (count === 1 ? family.label : family.plural));
    });
    return parts.join(", ");
  }

  /* Points sharing a position are spread on a small circle so each one can be reached. */
  function pointIcon(index, count, closed, family) {
    var dx = 0;
    var dy = 0;
    if (count > 1) {
      var radius = 12 + 3 * count;
      var angle = (2 * Math.PI * index) / count;
      dx = Math.round(radius * Math.cos(angle));
      dy = Math.round(radius * Math.sin(angle));
    }
    return L.divIcon({
      className: "atlas-point" + (family ? " " + family.css : "") + (closed ? " atlas-point-closed" : ""),
      html: family ? '<span aria-hidden="true">' + escapeHtml(family.letter) + "</span>" : "",
      iconSize: [22, 22],
      iconAnchor: [11 - dx, 11 - dy],
      popupAnchor: [dx, dy - 11],
    });
  }

  function groupByPosition(items, key) {
    var groups = {};
    items.forEach(function (item) {
      var k = key(item);
      (groups[k] = groups[k] || []).push(item);
    });
    return groups;
  }

  function openPopup(el, marker, html, keyboard) {
    if (!marker.getPopup()) marker.bindPopup(html, { autoPanPadding: [24, 24] });
    marker.openPopup();
    var popup = marker.getPopup().getElement();
    if (!popup) return;
    var close = popup.querySelector(".leaflet-popup-close-button");
    if (close && label(el, "close")) close.setAttribute("aria-label", label(el, "close"));
    var link = popup.querySelector(".leaflet-popup-content a");
    if (keyboard) (link || close || popup).focus();
  }

  function boundsOf(features) {
    var bounds = null;
    features.forEach(function (f) {
      var b = f.bbox ? L.latLngBounds([f.bbox[1], f.bbox[0]], [f.bbox[3], f.bbox[2]]) : L.latLngBounds([f.lat, f.lon], [f.lat, f.lon]);
      bounds = bounds ? bounds.extend(b) : b;
    });
    return bounds;
  }

  function fit(map, bounds, maxZoom) {
    if (!bounds || !bounds.isValid()) return false;
    map.fitBounds(bounds, { padding: [16, 16], maxZoom: maxZoom, animate: !reducedMotion });
    return true;
  }

  /* ---- the search map ------------------------------------------------------------------- */

  function SearchMap(el) {
    this.el = el;
    this.status = el.parentNode.querySelector("[data-atlas-map-status]");
    this.map = createMap(el);
    this.layer = L.layerGroup().addTo(this.map);
    this.controller = null;
    this.timer = null;
    this.query = el.getAttribute("data-query") || "";
    this.families = families(el);
    var self = this;
    this.map.fitBounds(FRANCE, { animate: false });
    this.map.on("moveend", function () { self.schedule(); });
    new MutationObserver(function () {
      var query = el.getAttribute("data-query") || "";
      if (query !== self.query) {
        self.query = query;
        self.start();
      }
    }).observe(el, { attributes: true, attributeFilter: ["data-query"] });
    this.start();
  }

  SearchMap.prototype.say = function (text) {
    if (this.status) this.status.textContent = text;
  };

  SearchMap.prototype.url = function (bbox, zoom) {
    var params = new URLSearchParams(this.query);
    params.set("bbox", bbox.map(function (v) { return v.toFixed(5); }).join(","));
    params.set("zoom", String(zoom));
    return this.el.getAttribute("data-api-url") + "?" + params.toString();
  };

  SearchMap.prototype.fetchJson = function (bbox, zoom) {
    if (this.controller) this.controller.abort();
    var controller = (this.controller = new AbortController());
    return fetch(this.url(bbox, zoom), {
      signal: controller.signal,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  };

  /* First view: France métropolitaine, or the extent of the results when filters are set. */
  SearchMap.prototype.start = function () {
    var self = this;
    var filtered = new URLSearchParams(this.query).toString() !== "";
    if (!filtered) {
      this.load();
      return;
    }
    this.say(label(this.el, "loading"));
    this.fetchJson([-180, -85, 180, 85], 3)
      .then(function (data) {
        fit(self.map, boundsOf(data.features), 14);
        self.load();
      })
      .catch(function (error) {
        if (error.name !== "AbortError") self.say(label(self.el, "error"));
      });
  };

  SearchMap.prototype.schedule = function () {
    var self = this;
    clearTimeout(this.timer);
    this.timer = setTimeout(function () { self.load(); }, DEBOUNCE_MS);
  };

  SearchMap.prototype.viewBox = function () {
    var b = this.map.getBounds().pad(0.1);
    var clampLon = function (v) { return Math.max(-180, Math.min(180, v)); };
    var clampLat = function (v) { return Math.max(-85, Math.min(85, v)); };
    return [clampLon(b.getWest()), clampLat(b.getSouth()), clampLon(b.getEast()), clampLat(b.getNorth())];
  };

  SearchMap.prototype.load = function () {
    var self = this;
    clearTimeout(this.timer);
    var zoom = Math.max(0, Math.min(20, Math.round(this.map.getZoom())));
    this.el.setAttribute("aria-busy", "true");
    this.fetchJson(this.viewBox(), zoom)
      .then(function (data) {
        self.el.removeAttribute("aria-busy");
        self.draw(data);
      })
      .catch(function (error) {
        if (error.name === "AbortError") return;
        self.el.removeAttribute("aria-busy");
        self.say(label(self.el, "error"));
      });
  };

  SearchMap.prototype.draw = function (data) {
    var self = this;
    var el = this.el;
    var map = this.map;
    this.layer.clearLayers();
    var clusters = data.features.filter(function (f) { return f.n; });
    var points = data.features.filter(function (f) { return !f.n; });
    var list = this.families;
    clusters.forEach(function (f) {
      var name = label(el, "cluster", { n: numberFormat.format(f.n), families: breakdown(list, f.fc) });
      var family = familyOf(list, dominant(f.fc));
      var marker = accessibleMarker([f.lat, f.lon], clusterIcon(f.n, family), name, function (keyboard) {
        // The markers are redrawn after the zoom: keyboard users keep their place on the map.
        if (keyboard) el.focus({ preventScroll: true });
        var bounds = L.latLngBounds([f.bbox[1], f.bbox[0]], [f.bbox[3], f.bbox[2]]);
        var target = map.getBoundsZoom(bounds, false, L.point(32, 32));
        // Members at one position (or too close to separate): zoom in by steps to the end.
        if (target <= map.getZoom()) target = Math.min(MAX_ZOOM, map.getZoom() + 2);
        map.setView(bounds.getCenter(), Math.min(target, MAX_ZOOM), { animate: !reducedMotion });
      }, function (node) { setRing(node, f.fc, f.n); });
      self.layer.addLayer(marker);
    });
    var groups = groupByPosition(points, function (f) { return f.lat + "," + f.lon; });
    Object.keys(groups).forEach(function (key) {
      var group = groups[key];
      group.forEach(function (f, index) {
        var family = familyOf(list, f.f);
        var name = f.name + " (" + family.label + ")";
        var marker = accessibleMarker([f.lat, f.lon], pointIcon(index, group.length, false, family), name, function (keyboard) {
          self.popup(marker, f, family, keyboard);
        });
        self.layer.addLayer(marker);
      });
    });
    var text = label(el, "count", { n: numberFormat.format(data.total) });
    if (clusters.length) text += " " + label(el, "more");
    this.say(text);
    this.updateZone();
  };

  /* A point's popup: name, family, address (loaded once from the organisation API: the
   * establishment nearest the point) and the link to the organisation page. */
  SearchMap.prototype.popup = function (marker, f, family, keyboard) {
    var el = this.el;
    var href = el.getAttribute("data-org-url").replace(/\/0\/$/, "/" + f.id + "/");
    var html = function (address) {
      return '<p class="atlas-popup-name">' + escapeHtml(f.name) + '</p><p class="atlas-popup-family"><span class="atlas-popup-letter ' +
        escapeHtml(family.css) + '" aria-hidden="true">' + escapeHtml(family.letter) + "</span> " + escapeHtml(family.label) +
        '</p><p class="atlas-popup-address" aria-live="polite">' + escapeHtml(address) + '</p><a href="' + escapeHtml(href) + '">' +
        escapeHtml(label(el, "open")) + '<span class="visually-hidden"> : ' + escapeHtml(f.name) + "</span></a>";
    };
    if (marker.atlasAddress !== undefined) {
      openPopup(el, marker, html(marker.atlasAddress), keyboard);
      return;
    }
    openPopup(el, marker, html(label(el, "address-loading")), keyboard);
    var url = (el.getAttribute("data-detail-url") || "").replace(/\/0$/, "/" + f.id);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (org) {
        var best = null;
        var distance = Infinity;
        (org.establishments || []).forEach(function (e) {
          if (!e.is_open || e.latitude === null || e.longitude === null) return;
          var d = Math.abs(e.latitude - f.lat) + Math.abs(e.longitude - f.lon);
          if (d < distance) { distance = d; best = e; }
        });
        var lines = best ? [best.address_complement, best.street, [best.postcode, best.commune_name].filter(Boolean).join(" ")] : [];
        return lines.filter(Boolean).join(", ") || label(el, "address-unknown");
      })
      .catch(function () { return label(el, "address-unknown"); })
      .then(function (address) {
        marker.atlasAddress = address;
        var popup = marker.getPopup();
        if (!popup) return;
        // Only the address paragraph changes: the focus (on the link) stays where it is.
        var node = popup.getElement() && popup.getElement().querySelector(".atlas-popup-address");
        if (node) node.textContent = address;
        else popup.setContent(html(address));
      });
  };

  /* "Rechercher dans cette zone": the current query with zone=minlon,minlat,maxlon,maxlat. */
  SearchMap.prototype.updateZone = function () {
    var box = this.el.parentNode.querySelector("[data-atlas-map-zone]");
    var link = box && box.querySelector("a[data-zone-base]");
    if (!link) return;
    var base = link.getAttribute("data-zone-base");
    var cut = base.indexOf("?");
    var params = new URLSearchParams(cut < 0 ? "" : base.slice(cut + 1));
    var b = this.map.getBounds();
    var clampLon = function (v) { return Math.max(-180, Math.min(180, v)); };
    var clampLat = function (v) { return Math.max(-90, Math.min(90, v)); };
    params.delete("page");
    params.delete("zone");
    var zone = [clampLon(b.getWest()), clampLat(b.getSouth()), clampLon(b.getEast()), clampLat(b.getNorth())]
      .map(function (v) { return v.toFixed(4); }).join(","); // commas kept as typed: zone=w,s,e,n
    var query = params.toString();
    link.setAttribute("href", (cut < 0 ? base : base.slice(0, cut)) + "?" + (query ? query + "&" : "") + "zone=" + zone);
    box.hidden = false;
  };

  /* ---- the organisation map -------------------------------------------------------------- */

  function OrganisationMap(el) {
    var source = document.getElementById(el.getAttribute("data-geojson-id"));
    var data = source ? JSON.parse(source.textContent) : null;
    if (typeof data === "string") data = JSON.parse(data); // a view may pass pre-encoded JSON
    var features = (data && data.features) || [];
    if (!features.length) {
      el.hidden = true;
      return;
    }
    var map = createMap(el);
    var closedLabel = label(el, "closed");
    var family = el.getAttribute("data-family-css")
      ? { css: el.getAttribute("data-family-css"), letter: el.getAttribute("data-family-letter") || "" }
      : null;
    var items = features.map(function (f) {
      return {
        lon: f.geometry.coordinates[0],
        lat: f.geometry.coordinates[1],
        name: (f.properties && f.properties.name) || "",
        closed: f.properties && f.properties.open === false,
      };
    });
    var groups = groupByPosition(items, function (f) { return f.lat + "," + f.lon; });
    Object.keys(groups).forEach(function (key) {
      var group = groups[key];
      group.forEach(function (f, index) {
        var name = f.closed ? f.name + " (" + closedLabel + ")" : f.name;
        var marker = accessibleMarker([f.lat, f.lon], pointIcon(index, group.length, f.closed, family), name, function (keyboard) {
          openPopup(el, marker, '<p class="atlas-popup-name">' + escapeHtml(name) + "</p>", keyboard);
        });
        marker.addTo(map);
      });
    });
    if (items.length === 1) map.setView([items[0].lat, items[0].lon], 14);
    else fit(map, boundsOf(items), 15);
  }

  /* ---- start ---------------------------------------------------------------------------- */

  function init(root) {
    if (typeof L === "undefined") return;
    (root || document).querySelectorAll("[data-atlas-map]").forEach(function (el) {
      if (el.atlasMap) return;
      el.atlasMap = el.getAttribute("data-atlas-map") === "organisation" ? new OrganisationMap(el) : new SearchMap(el);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", function () { init(); });
  else init();
  // Content swapped in by htmx (e.g. a new map region with the search results).
  document.addEventListener("htmx:load", function (event) { init(event.target); });
})();
