import "@mantine/core/styles.css";
import "uplot/dist/uPlot.min.css";
import "./styles/app.css";

import { MantineProvider } from "@mantine/core";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { App } from "./App";
import { BASENAME } from "./routes";
import { theme } from "./theme";

// The API serves this page at / too: the pages themselves live under /ui.
if (window.location.pathname !== BASENAME && !window.location.pathname.startsWith(`${BASENAME}/`)) {
  window.history.replaceState(null, "", `${BASENAME}/`);
}

// The API's CSP refuses inline <style> and style="" markup. Mantine would add <style> tags for its
// theme variables and global classes: both are off (the defaults are in styles.css). Report any
// violation loudly, so a browser test catches a component that needs one.
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline content"}`);
});

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="auto" withCssVariables={false} withGlobalClasses={false}>
      <BrowserRouter basename={BASENAME}>
        <App />
      </BrowserRouter>
    </MantineProvider>
  </StrictMode>,
);
