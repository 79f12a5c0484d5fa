import MPTCPModel
import MPTCPServer
import Synchronization
import Testing

/// `collect[]` and `exclude[]` on the telemetry path, node_exporter's way:
/// what reaches the scrape, and the 400s that name the problem.
@Suite("Collector selection per scrape")
struct CollectorSelectionTests {
    /// What the scrapes were asked for.
    final class Seen: Sendable {
        let list = Mutex<[Set<String>?]>([])
        func withLock<T>(_ body: (inout [Set<String>?]) -> T) -> T { list.withLock { body(&$0) } }
    }

    static func router(_ seen: Seen) -> HTTPRouter {
        HTTPRouter(telemetryPath: "/metrics", collectorNames: ["netstat", "connections", "path_manager", "sysctl"],
                   scrape: { only in seen.withLock { $0.append(only) }; return [] })
    }

    @Test("no parameter: every collector; collect[] only those; exclude[] all but those; URL-encoded brackets too")
    func selections() async {
        let seen = Seen()
        let router = Self.router(seen)
        for uri in ["/metrics", "/metrics?collect[]=netstat", "/metrics?collect[]=netstat&collect[]=sysctl",
                    "/metrics?exclude[]=connections", "/metrics?collect%5B%5D=path_manager"] {
            #expect(await router.respond(method: "GET", uri: uri).status == 200, "\(uri)")
        }
        #expect(seen.withLock { $0 } == [nil, ["netstat"], ["netstat", "sysctl"], ["netstat", "path_manager", "sysctl"], ["path_manager"]])
    }

    @Test("an unknown collector and both parameters at once are 400, naming the problem; nothing is scraped")
    func errors() async {
        let seen = Seen()
        let router = Self.router(seen)
        let unknown = await router.respond(method: "GET", uri: "/metrics?collect[]=cpu")
        #expect(unknown.status == 400)
        #expect(String(decoding: unknown.body, as: UTF8.self) == "unknown collector \"cpu\" (known: netstat, connections, path_manager, sysctl)\n")
        let both = await router.respond(method: "GET", uri: "/metrics?collect[]=netstat&exclude[]=sysctl")
        #expect(both.status == 400 && String(decoding: both.body, as: UTF8.self).contains("cannot be used together"))
        #expect(seen.withLock { $0.isEmpty })
    }
}
