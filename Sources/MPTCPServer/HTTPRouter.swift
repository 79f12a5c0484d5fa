import MPTCPModel
import MPTCPPresentation

/// Decides the answer to one request. Pure apart from the scrape it triggers:
/// no request path touches the file system.
public struct HTTPRouter: Sendable {
    public struct Response: Sendable {
        public var status: Int
        public var reason: String
        public var headers: [(String, String)]
        public var body: [UInt8]
        /// Whether the body may be sent gzip-compressed to a client that accepts it.
        public var compressible = false
    }

    public let telemetryPath: String
    /// What `/metrics` serves: the families of one scrape, of every collector
    /// or of those named (`collect[]`, `exclude[]`). The server is given it;
    /// it knows nothing of collectors or the kernel.
    public let scrape: @Sendable (_ only: Set<String>?) async -> [MetricFamily]
    /// Named on the landing page.
    public let collectorNames: [String]
    /// JSON of the machine-readable snapshot (`/api/v1/snapshot`), when served.
    public let snapshot: (@Sendable () async -> [UInt8])?
    public static let snapshotPath = "/api/v1/snapshot"
    /// `/probe?target=HOST:PORT&module=NAME`, when probes are configured.
    public let probe: ProbeService?
    public static let probePath = "/probe"

    /// What `/probe` needs: the configuration (modules, allowed targets) and
    /// the prober, given as a closure like the scrape.
    public struct ProbeService: Sendable {
        public var config: ProbeConfig
        public var run: @Sendable (_ target: ProbeTarget, _ module: ProbeModule, _ moduleName: String, _ allowed: ProbeAllowList) async -> ProbeOutcome
        public init(config: ProbeConfig,
                    run: @escaping @Sendable (ProbeTarget, ProbeModule, String, ProbeAllowList) async -> ProbeOutcome) {
            self.config = config
            self.run = run
        }
    }

    public init(telemetryPath: String, collectorNames: [String], scrape: @escaping @Sendable (_ only: Set<String>?) async -> [MetricFamily],
                snapshot: (@Sendable () async -> [UInt8])? = nil, probe: ProbeService? = nil) {
        self.telemetryPath = telemetryPath
        self.collectorNames = collectorNames
        self.scrape = scrape
        self.snapshot = snapshot
        self.probe = probe
    }

    /// Where a request goes, decided from its method and target alone.
    public enum Route: Sendable, Equatable {
        case metrics, snapshot, probe, landingPage, notFound, methodNotAllowed
    }

    /// - Parameters:
    ///   - method: the request method as sent (`GET`, `HEAD`, …).
    ///   - uri: the request target; the query string is ignored.
    public func route(method: String, uri: String) -> Route {
        let path = uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? uri
        let known = path == telemetryPath || path == "/" || (path == Self.snapshotPath && snapshot != nil)
            || (path == Self.probePath && probe != nil)
        guard known else { return .notFound }
        guard method == "GET" || method == "HEAD" else { return .methodNotAllowed }
        if path == telemetryPath { return .metrics }
        if path == Self.snapshotPath { return .snapshot }
        if path == Self.probePath { return .probe }
        return .landingPage
    }

    /// The answer to a request: a scrape for the telemetry path.
    public func respond(method: String, uri: String) async -> Response {
        switch route(method: method, uri: uri) {
        case .notFound:
            return text(404, "Not Found", "404 page not found\n")
        case .methodNotAllowed:
            var response = text(405, "Method Not Allowed", "405 method not allowed: use GET or HEAD\n")
            response.headers.append(("Allow", "GET, HEAD"))
            return response
        case .snapshot:
            return Response(status: 200, reason: "OK", headers: [("Content-Type", "application/json")],
                            body: await snapshot?() ?? Array("{}".utf8), compressible: true)
        case .probe:
            return await probeResponse(uri: uri)
        case .metrics:
            let only: Set<String>?
            switch selection(uri: uri) {
            case let .success(names): only = names
            case let .failure(problem): return text(400, "Bad Request", problem.message + "\n")
            }
            let families = await scrape(only)
            return Response(
                status: 200, reason: "OK",
                headers: [("Content-Type", ExpositionRenderer.contentType)],
                body: ExpositionRenderer.render(families), compressible: true)
        case .landingPage:
            return Response(status: 200, reason: "OK",
                            headers: [("Content-Type", "text/html; charset=utf-8")],
                            body: Array(landingPage.utf8))
        }
    }

    struct SelectionProblem: Error { var message: String }

    /// The collectors a scrape asks for, node_exporter's way: `collect[]=NAME`
    /// (only these) or `exclude[]=NAME` (all but these), repeatable; nil for
    /// all. Unknown names and both parameters at once are errors.
    func selection(uri: String) -> Result<Set<String>?, SelectionProblem> {
        let parameters = QueryString.parse(uri)
        let collect = parameters.filter { $0.name == "collect[]" }.map(\.value)
        let exclude = parameters.filter { $0.name == "exclude[]" }.map(\.value)
        if collect.isEmpty, exclude.isEmpty { return .success(nil) }
        if !collect.isEmpty, !exclude.isEmpty {
            return .failure(SelectionProblem(message: "collect[] and exclude[] cannot be used together"))
        }
        let known = Set(collectorNames)
        for name in collect + exclude where !known.contains(name) {
            return .failure(SelectionProblem(message: "unknown collector \(name.debugDescription) (known: \(collectorNames.joined(separator: ", ")))"))
        }
        return .success(collect.isEmpty ? known.subtracting(exclude) : Set(collect))
    }

    /// `/probe`: the parameters checked, the module found, the probe run
    /// (the allow-list is the prober's to apply once the target is resolved).
    private func probeResponse(uri: String) async -> Response {
        guard let probe else { return text(404, "Not Found", "404 page not found\n") }
        let parameters = QueryString.parse(uri)
        func value(_ name: String) -> String? { parameters.last { $0.name == name }?.value }
        guard let targetText = value("target"), !targetText.isEmpty else {
            return text(400, "Bad Request", "target parameter is missing (target=HOST:PORT)\n")
        }
        guard let target = ProbeTarget(parsing: targetText) else {
            return text(400, "Bad Request", "target \(targetText.debugDescription) is not HOST:PORT or [IPv6]:PORT\n")
        }
        let moduleName = value("module") ?? ProbeConfig.defaultModule
        guard let module = probe.config.modules[moduleName] else {
            return text(400, "Bad Request", "unknown module \(moduleName.debugDescription) (known: \(probe.config.modules.keys.sorted().joined(separator: ", ")))\n")
        }
        switch await probe.run(target, module, moduleName, probe.config.allowList) {
        case let .refused(reason):
            return text(403, "Forbidden", reason + "\n")
        case .busy:
            var response = text(503, "Service Unavailable", "too many probes in flight; try again\n")
            response.headers.append(("Retry-After", "1"))
            return response
        case let .result(result):
            if value("format") == "json" {
                return Response(status: 200, reason: "OK", headers: [("Content-Type", "application/json")],
                                body: ProbeOutcome.json(result), compressible: true)
            }
            let exposition = ExpositionRenderer.render(ProbeFamilies.families(result))
            if value("debug") == "true" {
                let body = Array(ProbeText.render(result, log: true).utf8) + Array("\nMetrics that would have been returned:\n".utf8) + exposition
                return Response(status: 200, reason: "OK", headers: [("Content-Type", "text/plain; charset=utf-8")], body: body)
            }
            return Response(status: 200, reason: "OK", headers: [("Content-Type", ExpositionRenderer.contentType)],
                            body: exposition, compressible: true)
        }
    }

    private func text(_ status: Int, _ reason: String, _ body: String) -> Response {
        Response(status: status, reason: reason,
                 headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(body.utf8))
    }

    private var landingPage: String {
        let collectors = collectorNames.map { "<li><code>\(escapeHTML($0))</code></li>" }.joined()
        let path = escapeHTML(telemetryPath)
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>MPTCP Exporter</title></head>
        <body>
        <h1>MPTCP Exporter</h1>
        <p>Multipath TCP counters, grouped by Case diagram, in the Prometheus text format.</p>
        <p><a href="\(path)">Metrics</a> (<code>\(path)</code>)</p>
        \(snapshot == nil ? "" : "<p><a href=\"\(Self.snapshotPath)\">Snapshot</a> (JSON for <code>mptcp-top --source</code>)</p>")
        \(probe.map { "<p>Probes: <code>\(Self.probePath)?target=HOST:PORT&amp;module=NAME</code> (modules: \($0.config.modules.keys.sorted().map { "<code>\(escapeHTML($0))</code>" }.joined(separator: ", ")); <code>debug=true</code> for the probe's log)</p>" } ?? "")
        <h2>Collectors</h2>
        <ul>\(collectors)</ul>
        <p>Version \(escapeHTML(BuildInfo.version))</p>
        </body>
        </html>

        """
    }

    private func escapeHTML(_ text: String) -> String { HTMLText.escape(text) }
}
