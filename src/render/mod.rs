//! What report, score and the dashboard draw with: colours, escaping, the
//! HTML style.
//!
//! - [`colours`]: the swatch each scenario of a run is drawn with, the
//!   same on the live dashboard, in the HTML report and in the SVG
//!   timeline.
//! - [`escape`]: text made safe inside SVG and HTML.
//! - [`style`]: the style sheets of the report's and the scorecard's HTML
//!   pages.
//!
//! Nothing here reads a journal or knows a page's layout: each drawing
//! module takes what it needs from here, so none reaches into another for
//! it.

pub mod colours;
pub(crate) mod escape;
pub(crate) mod style;
