/* Kiosk service worker (served as /kiosk/sw.js, so it controls /kiosk/ only).
 *
 * The kiosk page and its assets are fetched from the network first, so a change on the
 * server shows at the next load, and kept in a cache that answers when the network is
 * down: a kiosk reloaded during an outage still shows its rating screens (its queued
 * ratings are in localStorage, not here). Ratings themselves (POST) are never touched.
 */
"use strict";

var CACHE = "hailong-kiosk-v2";
var PAGE = "/kiosk/";
var PRECACHE = [
  PAGE,
  "/static/js/kiosk.js",
  "/static/css/kiosk.css",
  "/static/css/khmer.css",
  "/static/fonts/NotoSansKhmer-Regular.woff",
  "/static/fonts/NotoSansKhmer-Bold.woff"
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(PRECACHE);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name !== CACHE;
      }).map(function (name) {
        return caches.delete(name);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

function cacheable(url) {
  if (url.origin !== self.location.origin) return false;
  if (url.pathname === PAGE || url.pathname.indexOf("/kiosk/photos/") === 0) return true;
  return PRECACHE.indexOf(url.pathname) !== -1;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || !cacheable(url)) return;
  var key = url.pathname === PAGE ? PAGE : request;  // one copy of the page, whatever ?lang=
  event.respondWith(
    fetch(request).then(function (response) {
      // Only a working kiosk page is kept: a "no longer registered" answer (403) replaces
      // nothing, so it is shown while online and the last good page while offline.
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) {
          return cache.put(key, copy);
        });
      }
      return response;
    }).catch(function () {
      return caches.match(key).then(function (cached) {
        return cached || Response.error();
      });
    })
  );
});
