import Foundation
import Logging
import MPTCPCollectors
import MPTCPWire
import MPTCPModel
import MPTCPKernel
import MPTCPKernelTesting
import Synchronization
import Testing

/// The collectors facing the kernel's faults at the byte level: answers
/// recorded from a 6.18 kernel, NLMSG_ERROR with EPERM, ENOENT and EBUSY,
/// dumps flagged NLM_F_DUMP_INTR, failing receives. Each fault is a clear
/// error (collector success 0 and a log line), never a trap; the scrape
/// goes on; when the fault ends, the next scrape recovers.
@Suite("Kernel faults")
struct KernelFaultTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("MPTCPCoreTests/Fixtures").path

    static func datagrams(_ path: String) throws -> [[UInt8]] {
        SnapshotArchive.decodeDatagrams(Array(try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + path))))
    }

    /// What the scripted kernel does now; tests change it between scrapes.
    enum Fault: Sendable, Equatable {
        case none
        case kernelError(Int32)
        case interruptedAlways
        case interruptedOnce
        case receiveFails(Int32)
    }

    final class FaultSwitch: Sendable {
        private let fault = Mutex<Fault>(.none)
        private let interruptions = Mutex(0)
        func set(_ value: Fault) { fault.withLock { $0 = value } }
        var current: Fault { fault.withLock { $0 } }
        /// For `.interruptedOnce`: true the first time only.
        func interruptNow() -> Bool { interruptions.withLock { $0 += 1; return $0 == 1 } }
    }

    static func isMPTCPRequest(_ request: [UInt8]) -> Bool { request.count > 16 + 56 }

    /// A sock_diag "kernel" answering with the client capture, faults applied to the MPTCP dumps.
    static func sockDiagTransport(_ faults: FaultSwitch) throws -> ScriptedNetlinkTransport {
        var recorded: [String: [[UInt8]]] = [:]
        for name in ["mptcp-inet", "mptcp-inet6", "tcp-inet", "tcp-inet6"] {
            recorded[name] = try datagrams("sockdiag-6.18-cli/\(name).bin")
        }
        let answers = recorded
        return ScriptedNetlinkTransport { request in
            let family = request.count > 16 && request[16] == 10 ? "inet6" : "inet"
            let mptcp = isMPTCPRequest(request)
            let recordedAnswer = answers[(mptcp ? "mptcp-" : "tcp-") + family] ?? []
            guard mptcp else { return .datagrams(recordedAnswer) }
            switch faults.current {
            case .none: return .datagrams(recordedAnswer)
            case let .kernelError(code): return .kernelError(code)
            case .interruptedAlways: return .interrupted(recordedAnswer)
            case .interruptedOnce: return faults.interruptNow() ? .interrupted(recordedAnswer) : .datagrams(recordedAnswer)
            case let .receiveFails(code): return .systemError(code)
            }
        }
    }

    static func collect(_ collector: any Collector) -> Result<[MetricFamily], CollectorError> {
        do { return .success(try collector.collect()) } catch let error as CollectorError { return .failure(error) } catch {
            return .failure(CollectorError("\(error)"))
        }
    }

    static func established(_ families: [MetricFamily]) -> Double? {
        families.first { $0.name == "mptcp_connections" }?.samples
            .first { $0.labels.contains { $0 == ("state", "established") } }
            .map { sample -> Double in
                switch sample.value {
                case let .unsigned(value): return Double(value)
                case let .signed(value): return Double(value)
                case let .double(value): return value
                }
            }
    }

    @Test("sock_diag: EPERM, ENOENT, EBUSY, interrupted dumps and failing receives are errors; the next good dump recovers")
    func sockDiagFaults() throws {
        let faults = FaultSwitch()
        let transport = try Self.sockDiagTransport(faults)
        let opened = Mutex(0)
        let collector = ConnectionsCollector(openReader: {
            opened.withLock { $0 += 1 }
            return ConnectionReader(client: SockDiagClient(transport: transport))
        })

        let healthy = try Self.collect(collector).get()
        let established = try #require(Self.established(healthy))
        #expect(established > 0, "the capture holds established connections")

        let cases: [(Fault, String)] = [
            (.kernelError(1), "EPERM"),
            (.kernelError(2), "mptcp_diag module missing?"),
            (.kernelError(16), "EBUSY"),
            (.interruptedAlways, "interrupted 3 times in a row"),
            (.receiveFails(105), "ENOBUFS"),
        ]
        for (fault, message) in cases {
            faults.set(fault)
            switch Self.collect(collector) {
            case .success:
                Issue.record("\(fault) was not reported")
            case let .failure(error):
                #expect(error.description.contains(message), "\(fault): \(error)")
            }
            faults.set(.none)
            let recovered = try Self.collect(collector).get()
            #expect(Self.established(recovered) == established, "recovered after \(fault)")
        }
        // One interrupted dump is retried within the same scrape.
        faults.set(.interruptedOnce)
        #expect(Self.established(try Self.collect(collector).get()) == established)
        // Every failure reopened the socket: one open per failure, plus the first.
        #expect(opened.withLock { $0 } == 1 + cases.count)
    }

    @Test("sock_diag faults in a scrape cost the connections series only")
    func faultInScrape() async throws {
        let faults = FaultSwitch()
        let transport = try Self.sockDiagTransport(faults)
        let scraper = Scraper(collectors: [
            ConnectionsCollector(openReader: { ConnectionReader(client: SockDiagClient(transport: transport)) }),
        ], logger: Logger(label: "test"))
        faults.set(.kernelError(1))
        let failed = await scraper.scrape()
        #expect(failed.failures["connections"]?.contains("EPERM") == true)
        #expect(failed.families.contains { $0.name == "mptcp_exporter_build_info" })
        faults.set(.none)
        let recovered = await scraper.scrape()
        #expect(recovered.failures.isEmpty)
        #expect(recovered.families.contains { $0.name == "mptcp_connections" })
    }

    @Test("generic netlink: a missing mptcp_pm family, EPERM on GET_ADDR and a failing receive are errors; then recovery")
    func pathManagerFaults() throws {
        let family = try Self.datagrams("genl-6.18-cli/get-family.bin")
        let addresses = try Self.datagrams("genl-6.18-cli/get-addr.bin")
        let limits = try Self.datagrams("genl-6.18-cli/get-limits.bin")
        let faults = FaultSwitch()
        let familyFault = Mutex<Int32?>(nil)
        let transport = ScriptedNetlinkTransport { request in
            let isController = request.count > 5 && request[4] == 0x10 && request[5] == 0
            if isController {
                if let code = familyFault.withLock({ $0 }) { return .kernelError(code) }
                return .datagrams(family)
            }
            let command = request.count > 16 ? request[16] : 0
            switch faults.current {
            case let .kernelError(code) where command == MPTCPPathManagerFamily.commandGetAddress: return .kernelError(code)
            case .interruptedAlways where command == MPTCPPathManagerFamily.commandGetAddress: return .interrupted(addresses)
            case .interruptedOnce where command == MPTCPPathManagerFamily.commandGetAddress:
                return faults.interruptNow() ? .interrupted(addresses) : .datagrams(addresses)
            case let .receiveFails(code): return .systemError(code)
            default: return .datagrams(command == MPTCPPathManagerFamily.commandGetAddress ? addresses : limits)
            }
        }
        let collector = PathManagerCollector(openClient: { try PathManagerClient(transport: transport) })
        let healthy = try Self.collect(collector).get()
        let endpoints = healthy.first { $0.name == "mptcp_endpoints" }?.samples.first?.value
        #expect(endpoints == .unsigned(3), "the client capture has three endpoints (ip mptcp endpoint): \(healthy.map(\.name))")

        familyFault.withLock { $0 = 2 }
        faults.set(.receiveFails(1))
        guard case let .failure(receiveError) = Self.collect(collector) else { Issue.record("no error"); return }
        #expect(receiveError.description.contains("EPERM"), "\(receiveError)")
        faults.set(.none)
        // Reopening resolves the family again: now the kernel has no mptcp_pm.
        guard case let .failure(missing) = Self.collect(collector) else { Issue.record("no error"); return }
        #expect(missing.description.contains("mptcp_pm"), "\(missing)")
        familyFault.withLock { $0 = nil }
        faults.set(.kernelError(1))
        guard case let .failure(refused) = Self.collect(collector) else { Issue.record("no error"); return }
        #expect(refused.description.contains("MPTCP_PM_CMD_GET_ADDR refused by the kernel: EPERM"), "\(refused)")
        faults.set(.none)
        #expect(try Self.collect(collector).get().map(\.name) == healthy.map(\.name))

        // NLM_F_DUMP_INTR: asked again with what the first try decoded dropped, not added twice.
        faults.set(.interruptedOnce)
        let retried = try Self.collect(collector).get()
        #expect(retried.first { $0.name == "mptcp_endpoints" }?.samples.first?.value == .unsigned(3))
        faults.set(.interruptedAlways)
        guard case let .failure(interrupted) = Self.collect(collector) else { Issue.record("no error"); return }
        #expect(interrupted.description.contains("MPTCP_PM_CMD_GET_ADDR: dump interrupted 3 times"), "\(interrupted)")
        faults.set(.none)
        #expect(try Self.collect(collector).get().map(\.name) == healthy.map(\.name))
    }
}
