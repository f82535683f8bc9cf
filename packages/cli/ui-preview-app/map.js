// The map component: Leaflet with Natural Earth's land outline as its offline background (there are
// no tile servers to reach), one marker per row with a place, a popup with its title and thumbnail.
import { useEffect, useRef } from "preact/hooks";
import { html } from "htm/preact";
import * as L from "leaflet";
import { withToken } from "./api.js";

let land;
const landOutline = () => (land ??= fetch("/vendor/land.json").then((r) => r.json()));

export function MapView({ rows, choose }) {
  const element = useRef(null);
  const placed = rows.filter((row) => row.location);
  useEffect(() => {
    const map = L.map(element.current, { worldCopyJump: true, attributionControl: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix("Leaflet").addAttribution("Land: Natural Earth");
    map.setView([20, 0], 1.5);
    let cancelled = false;
    landOutline().then((geo) => {
      if (cancelled) return;
      L.geoJSON(geo, { style: { stroke: false, fillColor: "#e4e9ed", fillOpacity: 1 }, interactive: false }).addTo(map);
      const markers = placed.map((row) => {
        const marker = L.circleMarker([row.location.latitude, row.location.longitude], { radius: 7, color: "#1f6feb", weight: 2, fillColor: "#4c8dff", fillOpacity: 0.85 });
        const image = row.thumbnail ? `<img src="${withToken(`/api/thumbnail/${row.thumbnail}`)}" width="96" alt="">` : "";
        const title = document.createElement("div");
        title.innerHTML = image;
        title.append(Object.assign(document.createElement("div"), { textContent: row.title }));
        marker.bindPopup(title).on("click", () => choose(row));
        return marker.addTo(map);
      });
      if (markers.length) map.fitBounds(L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 6 });
      element.current.dataset.markers = String(markers.length);
    });
    return () => {
      cancelled = true;
      map.remove();
    };
  }, [rows]);
  return html`<div class="map" ref=${element} data-placed=${placed.length}></div>`;
}
