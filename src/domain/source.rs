//! Where a verification in the log came from: which of the emulator's doors it came in by.

/// Where a recorded interaction came from. Its wire name is what the log stores, the filters
/// use and the shim sends.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::VariantArray,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[strum(serialize_all = "snake_case")]
pub enum Source {
    /// `POST /api/v1/verify` from a test, a script or a backend.
    Api,
    /// The widget (the loader, or the older shim) on a page of the integrator's own.
    Widget,
    /// The widget on the portal's /demo page.
    Demo,
    Playground,
    /// Talkative's Core API: a customer's backend adding data to an interaction.
    CoreApi,
    /// A chatbot fulfilment action's answer, from the customer's backend.
    Fulfilment,
}

impl Source {
    pub const ALL: &'static [Source] = <Source as strum::VariantArray>::VARIANTS;

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(name: &str) -> Option<Self> {
        name.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn wire_names_read_back() {
        let names: Vec<&str> = Source::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "api",
                "widget",
                "demo",
                "playground",
                "core_api",
                "fulfilment"
            ]
        );
        for source in Source::ALL {
            assert_eq!(Source::parse(source.as_str()), Some(*source));
        }
        assert_eq!(Source::parse("Api"), None);
    }
}
