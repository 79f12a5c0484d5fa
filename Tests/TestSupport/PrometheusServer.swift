import Foundation

/// A real Prometheus server (Debian's `prometheus`) started for a test,
/// optionally inside a network namespace, with its own temporary storage.
public final class PrometheusServer: @unchecked Sendable {
    public let process: BackgroundProcess
    public let namespace: String?
    public let port: Int
    private let directory: String

    /// - Parameters:
    ///   - targets: `host:port` of the exporters to scrape.
    ///   - port: Prometheus' own port; inside a fresh namespace any port is free.
    public convenience init(namespace: String?, targets: [String], port: Int = 9090, scrapeInterval: String = "1s") throws {
        let config = """
            global:
              scrape_interval: \(scrapeInterval)
              scrape_timeout: \(scrapeInterval)
            scrape_configs:
              - job_name: mptcp
                static_configs:
                  - targets: [\(targets.map { "\"\($0)\"" }.joined(separator: ", "))]
            """
        try self.init(namespace: namespace, configuration: config, port: port)
    }

    /// Starts Prometheus with a whole configuration file's text; `files` are
    /// written beside it first (rule files the configuration names).
    public init(namespace: String?, configuration config: String, files: [String: String] = [:], port: Int = 9090) throws {
        self.namespace = namespace
        self.port = port
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("prometheus-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        var command = ["prometheus", "--config.file=\(directory)/prometheus.yml",
                       "--storage.tsdb.path=\(directory)/data", "--web.listen-address=127.0.0.1:\(port)"]
        if let namespace { command = ["ip", "netns", "exec", namespace] + command }
        process = try BackgroundProcess(command)
    }

    /// GET on Prometheus' HTTP API, decoded as JSON.
    public func api(_ pathAndQuery: String) throws -> [String: Any] {
        var command = ["curl", "-sS", "--max-time", "10", "-g", "http://127.0.0.1:\(port)\(pathAndQuery)"]
        if let namespace { command = ["ip", "netns", "exec", namespace] + command }
        let output = try Command.check(command, timeout: 20)
        guard let json = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw Command.Failure(description: "not JSON: \(output.prefix(200))")
        }
        return json
    }

    /// Waits until every target is up (bounded); returns their health values.
    public func waitForTargetsUp(timeout: Double = 60) -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        var health: [String] = []
        while Date() < deadline, process.isRunning {
            if let json = try? api("/api/v1/targets"),
               let data = json["data"] as? [String: Any],
               let active = data["activeTargets"] as? [[String: Any]] {
                health = active.compactMap { $0["health"] as? String }
                if !health.isEmpty, health.allSatisfy({ $0 == "up" }) { return health }
            }
            usleep(250_000)
        }
        return health
    }

    /// The directory holding the configuration (for rule file paths).
    public var configurationDirectory: String { directory }

    /// The value of an instant query returning one sample, as text.
    public func queryValue(_ expression: String) throws -> String? {
        let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
        let json = try api("/api/v1/query?query=\(encoded)")
        guard let data = json["data"] as? [String: Any],
              let result = data["result"] as? [[String: Any]],
              let value = result.first?["value"] as? [Any], value.count == 2 else { return nil }
        return value[1] as? String
    }

    deinit {
        process.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
