/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The API serves dist/index.html at / and at every dashboard path, and the assets under /assets/.
// Its Content-Security-Policy allows no inline script or style: the build is one module script, its
// chunks and .css files; nothing may add an inline <script>, <style> or style="" to index.html.
export default defineConfig({
  plugins: [react()],
  // Asset URLs from the root (/assets/...): index.html is also served at client routes such as
  // /runs/abc, where ./assets would mean /runs/assets; and <base href> is barred by base-uri 'none'.
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    modulePreload: { polyfill: false }, // every browser we serve supports modulepreload
    assetsInlineLimit: 0, // fonts and images as files: no data: URLs beyond what img-src allows
    rolldownOptions: {
      output: {
        // Libraries change less often than our code: their chunks stay cached across our releases.
        // Pages are loaded on demand (React.lazy), so uPlot comes with the run page only.
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler|react-router|zustand)[\\/]/ },
            { name: "mantine", test: /node_modules[\\/](@mantine|@floating-ui|clsx|react-remove-scroll|react-number-format|react-textarea-autosize|use-callback-ref|use-sidecar|tslib|get-nonce|react-style-singleton|detect-node-es)/ },
          ],
        },
      },
    },
  },
  server: {
    // `npm run dev` (pages at http://localhost:5173/ui/) sends every API path to a running API, so the
    // session cookie stays same-origin: all but the pages (/ui), Vite's own files and / itself.
    proxy: {
      "^/(?!ui(/|$)|src/|@|node_modules/|assets/|$)": { target: process.env.CRYPTICK_API ?? "http://127.0.0.1:8000" },
    },
  },
  test: {
    environment: "node",
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"], // .tsx: component tests, in jsdom (their header says)
    setupFiles: ["src/test/setup.ts"],
  },
});
