import MPTCPModel
import MPTCPPresentation
import Testing

@Suite("ExpositionRenderer")
struct ExpositionRendererTests {
    private func render(_ families: [MetricFamily]) -> String {
        String(decoding: ExpositionRenderer.render(families), as: UTF8.self)
    }

    @Test("sorted families, sorted samples, escaped HELP and label values")
    func format() {
        let text = render([
            MetricFamily(name: "b_total", help: "two\nlines \\ here", type: .counter, samples: [
                Sample(labels: [("k", "z")], value: .unsigned(2)),
                Sample(labels: [("k", "a \"quoted\"\nvalue\\")], value: .unsigned(1)),
            ]),
            MetricFamily(name: "a", help: "gauge", type: .gauge, value: .signed(-3)),
        ])
        #expect(text == """
            # HELP a gauge
            # TYPE a gauge
            a -3
            # HELP b_total two\\nlines \\\\ here
            # TYPE b_total counter
            b_total{k="a \\"quoted\\"\\nvalue\\\\"} 1
            b_total{k="z"} 2

            """)
    }

    @Test("64-bit counters are printed exactly; doubles keep their precision")
    func values() {
        #expect(ExpositionRenderer.format(.unsigned(UInt64.max)) == "18446744073709551615")
        #expect(ExpositionRenderer.format(.signed(Int64.min)) == "-9223372036854775808")
        #expect(ExpositionRenderer.format(.double(0.00123)) == "0.00123")
        #expect(ExpositionRenderer.format(.double(42)) == "42")
        #expect(ExpositionRenderer.format(.double(.nan)) == "NaN")
        #expect(ExpositionRenderer.format(.double(-.infinity)) == "-Inf")
    }

    @Test("duplicate and invalid family names are skipped, not served broken")
    func invalid() {
        let text = render([
            MetricFamily(name: "ok", help: "first", type: .gauge, value: .unsigned(1)),
            MetricFamily(name: "ok", help: "second", type: .gauge, value: .unsigned(2)),
            MetricFamily(name: "9bad", help: "x", type: .gauge, value: .unsigned(3)),
            MetricFamily(name: "", help: "x", type: .gauge, value: .unsigned(3)),
        ])
        #expect(text == "# HELP ok first\n# TYPE ok gauge\nok 1\n")
    }
}
