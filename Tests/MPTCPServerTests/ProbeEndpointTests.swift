import MPTCPModel
import MPTCPServer
import MPTCPWire
import Testing

/// `/probe` at the HTTP level, the probe itself scripted: parameters,
/// modules, the allow-list's answer, the cap on probes in flight, and what
/// each format returns. The real probes are in the end-to-end suite.
@Suite("Probe endpoint and configuration")
struct ProbeEndpointTests {
    static let configText = """
        modules:
          mptcp:
            timeout: 3s
          http:
            payload: "HEAD / HTTP/1.0\\r\\n\\r\\n"
            expect_answer: true
            min_subflows: 2
            subflow_wait: 500ms
            ip_protocol: ip6
        allowed_targets:
          - "mptcp.example.org:443"
          - "192.0.2.0/24:*"
          - "[2001:db8::/32]:80"
        """

    static func router(_ outcome: @escaping @Sendable (ProbeTarget, ProbeModule, String, ProbeAllowList) -> ProbeOutcome) throws -> HTTPRouter {
        let config = try ProbeConfig.parse(configText)
        return HTTPRouter(telemetryPath: "/metrics", collectorNames: [], scrape: { _ in [] },
                          probe: HTTPRouter.ProbeService(config: config) { target, module, name, allow in outcome(target, module, name, allow) })
    }

    static func result(success: Bool) -> ProbeResult {
        var result = ProbeResult(target: "192.0.2.7:443", module: "mptcp")
        result.success = success
        result.mptcp = success
        result.failure = success ? nil : "connect to 192.0.2.7:443: ECONNREFUSED"
        result.log = ["0 ms: resolved"]
        return result
    }

    @Test("the configuration: modules with their options, the allow-list by name, network and port")
    func configuration() throws {
        let config = try ProbeConfig.parse(Self.configText)
        #expect(config.modules["mptcp"]?.timeout == 3)
        let http = try #require(config.modules["http"])
        #expect(http.payload == Array("HEAD / HTTP/1.0\r\n\r\n".utf8))
        #expect(http.expectAnswer && http.minSubflows == 2 && http.subflowWait == 0.5 && http.ipProtocol == .ip6)
        let allow = config.allowList
        func allowed(_ target: String, _ address: String?) -> Bool {
            allow.allows(ProbeTarget(parsing: target)!, address: address.flatMap { IPAddress(parsing: $0) })
        }
        #expect(allowed("mptcp.example.org:443", "203.0.113.1"))
        #expect(allowed("MPTCP.example.org:443", nil))
        #expect(!allowed("mptcp.example.org:80", "203.0.113.1"))
        #expect(allowed("other.example:8443", "192.0.2.200"))
        #expect(!allowed("other.example:8443", "198.51.100.1"))
        #expect(allowed("[2001:db8:1::5]:80", "2001:db8:1::5"))
        #expect(!allowed("[2001:db8:1::5]:81", "2001:db8:1::5"))
        #expect(!allowed("[2001:db9::5]:80", "2001:db9::5"))
    }

    @Test("configuration errors name the key at fault", arguments: [
        ("modules:\n  m:\n    timeout: soon\n", "modules.m.timeout soon is not a duration"),
        ("modules:\n  m:\n    colour: blue\n", "modules.m has an unknown key colour"),
        ("modules:\n  m:\n    expect_answer: true\n", "modules.m.expect_answer needs a payload"),
        ("modules:\n  m:\n    min_subflows: 99\n", "modules.m.min_subflows 99 is not a number from 0 to 64"),
        ("allowed_targets:\n  - example.org\n", "allowed_targets entry \"example.org\" is not HOST:PORT"),
        ("allowed_targets:\n  - 10.0.0.0/33:443\n", "allowed_targets entry \"10.0.0.0/33:443\""),
        ("", "the file is empty"),
    ])
    func configurationErrors(text: String, message: String) {
        do {
            _ = try ProbeConfig.parse(text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect("\(error)".contains(message), "\(error)")
        }
    }

    @Test("targets: HOST:PORT and [IPv6]:PORT, nothing else", arguments: [
        ("example.org:443", true), ("192.0.2.1:80", true), ("[2001:db8::1]:443", true),
        ("2001:db8::1:443", false), ("example.org", false), ("example.org:0", false), ("example.org:99999", false),
        (":443", false), ("exa mple.org:443", false), ("[example.org]:443", false), ("example.org:443/x", false),
    ])
    func targets(text: String, valid: Bool) {
        #expect((ProbeTarget(parsing: text) != nil) == valid, "\(text)")
    }

    @Test("query strings: percent-decoding, + as space, the last value of a name wins in the router")
    func queryStrings() {
        let parameters = QueryString.parse("/probe?target=%5B2001%3Adb8%3A%3A1%5D%3A443&module=a+b&x&bad=%zz%4")
        #expect(parameters.map(\.name) == ["target", "module", "x", "bad"])
        #expect(parameters.map(\.value) == ["[2001:db8::1]:443", "a b", "", "%zz%4"])
        #expect(QueryString.parse("/probe").isEmpty)
    }

    @Test("/probe: 400 for a missing or malformed target and an unknown module, naming it")
    func badRequests() async throws {
        let router = try Self.router { _, _, _, _ in .result(Self.result(success: true)) }
        let missing = await router.respond(method: "GET", uri: "/probe")
        #expect(missing.status == 400 && String(decoding: missing.body, as: UTF8.self).contains("target parameter is missing"))
        let malformed = await router.respond(method: "GET", uri: "/probe?target=nope")
        #expect(malformed.status == 400 && String(decoding: malformed.body, as: UTF8.self).contains("\"nope\""))
        let module = await router.respond(method: "GET", uri: "/probe?target=192.0.2.7:443&module=ftp")
        #expect(module.status == 400 && String(decoding: module.body, as: UTF8.self).contains("unknown module \"ftp\" (known: http, mptcp)"))
        #expect(await router.respond(method: "POST", uri: "/probe?target=192.0.2.7:443").status == 405)
    }

    @Test("/probe: the module asked for reaches the prober; refused is 403, busy 503 with Retry-After")
    func outcomes() async throws {
        let router = try Self.router { target, module, name, allow in
            if target.port == 1 { return .busy }
            if !allow.allows(target, address: IPAddress(parsing: target.host)) { return .refused("target \(target) is not in allowed_targets") }
            var result = Self.result(success: true)
            result.module = name + (module.minSubflows == 2 ? " (min 2)" : "")
            return .result(result)
        }
        let refused = await router.respond(method: "GET", uri: "/probe?target=198.51.100.1:443")
        #expect(refused.status == 403 && String(decoding: refused.body, as: UTF8.self).contains("not in allowed_targets"))
        let busy = await router.respond(method: "GET", uri: "/probe?target=192.0.2.7:1")
        #expect(busy.status == 503 && busy.headers.contains { $0 == ("Retry-After", "1") })
        let json = await router.respond(method: "GET", uri: "/probe?target=192.0.2.7:443&module=http&format=json")
        #expect(json.status == 200 && String(decoding: json.body, as: UTF8.self).contains("\"module\":\"http (min 2)\""))
    }

    @Test("/probe: the exposition by default, the log and the exposition with debug=true")
    func formats() async throws {
        let router = try Self.router { _, _, _, _ in .result(Self.result(success: false)) }
        let metrics = await router.respond(method: "GET", uri: "/probe?target=192.0.2.7:443")
        let text = String(decoding: metrics.body, as: UTF8.self)
        #expect(metrics.status == 200 && text.contains("probe_success 0\n") && text.contains("probe_mptcp_fallback{stage=\"syn_dropped\"} 0"))
        let debug = String(decoding: await router.respond(method: "GET", uri: "/probe?target=192.0.2.7:443&debug=true").body, as: UTF8.self)
        #expect(debug.hasPrefix("FAILED: MPTCP probe of 192.0.2.7:443"))
        #expect(debug.contains("Probe log:\n  0 ms: resolved") && debug.contains("probe_success 0"))
        let landing = String(decoding: await router.respond(method: "GET", uri: "/").body, as: UTF8.self)
        #expect(landing.contains("/probe?target=HOST:PORT"))
        let noProbes = HTTPRouter(telemetryPath: "/metrics", collectorNames: [], scrape: { _ in [] })
        #expect(await noProbes.respond(method: "GET", uri: "/probe?target=192.0.2.7:443").status == 404)
    }
}
