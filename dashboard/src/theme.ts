// Mantine's theme. Under the API's CSP the provider writes no <style> tag (withCssVariables={false}),
// so the CSS variables are Mantine's defaults from styles.css: a theme change that alters colours,
// fonts or radii must be made in styles/app.css as CSS variables, not here. What is set here works
// through props only (default props of components).
//
// Rules that keep the dashboard inside the CSP (each would add an inline <style> at run time):
// - no responsive style props (`w={{ base: 100, sm: 200 }}`), no responsive Grid/SimpleGrid/Flex props,
//   no AppShell (its responsive media styles), no hiddenFrom/visibleFrom: use classes in app.css;
// - a colour scheme toggle calls useMantineColorScheme({ keepTransitions: true }).
import { createTheme, Drawer, Modal } from "@mantine/core";

export const theme = createTheme({
  primaryColor: "blue",
  components: {
    // react-remove-scroll (the scroll lock of modals) injects a <style> tag: keep it off.
    Modal: Modal.extend({ defaultProps: { lockScroll: false } }),
    Drawer: Drawer.extend({ defaultProps: { lockScroll: false } }),
  },
});
