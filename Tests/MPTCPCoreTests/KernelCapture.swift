import Foundation
@testable import MPTCPWire
import MPTCPModel
import TestSupport

/// The same two-namespace scenario captured on three kernels: Debian 12's
/// 6.1 and 6.12 (booted under QEMU by scripts/kernel-matrix.sh) and this
/// machine's 6.18. Files: Fixtures/{sockdiag,genl}-<kernel>-{cli,srv}/ with
/// what ss and ip mptcp printed at the same moment, netstat-<kernel>-{client,server}.
enum KernelCapture {
    static let kernels = ["6.1", "6.12", "6.18"]
    /// Kernels whose capture has `ss -MinH` (mptcp_info as ss prints it).
    static let withMPTCPInfoReference = ["6.1", "6.12"]
    /// Kernels whose netstat capture has `nstat -asz` beside it.
    static let withNstatReference = ["6.1", "6.12"]

    static func datagrams(_ kernel: String, _ side: String, _ file: String) throws -> [[UInt8]] {
        SnapshotArchive.decodeDatagrams(try Fixture.bytes("sockdiag-\(kernel)-\(side)/\(file).bin"))
    }

    static func sockets(_ kernel: String, _ side: String) throws -> (mptcp: [DiagSocket], tcp: [DiagSocket]) {
        var mptcp: [DiagSocket] = [], tcp: [DiagSocket] = []
        for family in ["inet", "inet6"] {
            mptcp += SockDiagDecoder.decode(try datagrams(kernel, side, "mptcp-\(family)"), infoKind: .mptcp).sockets
            tcp += SockDiagDecoder.decode(try datagrams(kernel, side, "tcp-\(family)"), infoKind: .tcp).sockets
        }
        return (mptcp, tcp)
    }

    static func snapshot(_ kernel: String, _ side: String) throws -> ConnectionSnapshot {
        let (mptcp, tcp) = try sockets(kernel, side)
        return ConnectionJoiner.join(mptcp: mptcp, tcp: tcp,
                                     interfaces: side == "cli" ? SockDiagFixture.clientInterfaces : SockDiagFixture.serverInterfaces)
    }

    /// The raw `INET_DIAG_INFO` payload of every socket of a dump, by
    /// "local -> remote" as ss prints it: the bytes a decoder reads.
    static func infoPayloads(_ kernel: String, _ side: String, _ dump: String) throws -> [String: ByteView] {
        var payloads: [String: ByteView] = [:]
        for family in ["inet", "inet6"] {
            for datagram in try datagrams(kernel, side, "\(dump)-\(family)") {
                for message in NetlinkMessages.split(ByteView(datagram)).messages where message.type >= NetlinkMessage.firstFamilyType {
                    guard let header = InetDiagMessage(message.payload) else { continue }
                    _ = NetlinkAttributes.scan(message.payload.suffix(from: InetDiagMessage.size)) { attribute in
                        if attribute.type == DiagSocket.Attribute.info {
                            payloads[tuple(header)] = attribute.payload
                        }
                    }
                }
            }
        }
        return payloads
    }

    static func tuple(_ header: InetDiagMessage) -> String {
        func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
            address.family == IPAddress.inet6 ? "[\(address)]:\(port)" : "\(address):\(port)"
        }
        return "\(endpoint(header.source, header.sourcePort)) -> \(endpoint(header.destination, header.destinationPort))"
    }

    /// `ss -…inH` details by "local -> remote" (``SocketStatistics/details(in:)``).
    static func ssDetails(_ text: String) -> [String: [String: String]] {
        Dictionary(uniqueKeysWithValues: SocketStatistics.details(in: text).map { ($0.key.text, $0.value) })
    }

    /// mptcp_info as ss 6.1 prints it (`mptcp_stats_print`): the byte
    /// counters only when not 0, flags as words, token and sequence numbers
    /// in hex.
    static func ssWords(_ info: MPTCPInfo) -> [String: String] {
        var words: [String: String] = [:]
        for (key, value) in [("subflows", info.subflows), ("add_addr_signal", info.addAddrSignal),
                             ("add_addr_accepted", info.addAddrAccepted), ("subflows_max", info.subflowsMax),
                             ("add_addr_signal_max", info.addAddrSignalMax), ("add_addr_accepted_max", info.addAddrAcceptedMax)] {
            if let value, value != 0 { words[key] = String(value) }
        }
        if info.isFallback == true { words["fallback"] = "" }
        if info.remoteKeyReceived == true { words["remote_key"] = "" }
        if let token = info.token, token != 0 { words["token"] = String(token, radix: 16) }
        for (key, value) in [("write_seq", info.writeSeq), ("snd_una", info.sndUna), ("rcv_nxt", info.rcvNxt)] {
            if let value, value != 0 { words[key] = String(value, radix: 16) }
        }
        return words
    }

    static let mptcpInfoKeys: Set<String> = ["subflows", "add_addr_signal", "add_addr_accepted", "subflows_max",
                                             "add_addr_signal_max", "add_addr_accepted_max", "fallback", "remote_key",
                                             "token", "write_seq", "snd_una", "rcv_nxt"]

    /// Where a decode of the captured mptcp_info payloads differs from what
    /// ss printed for the same sockets at the same moment ("tuple key:
    /// decoded≠printed"). `decode` turns a payload into ss's words.
    static func mptcpInfoMismatches(_ kernel: String, _ side: String,
                                    decode: (ByteView) -> [String: String] = { ssWords(MPTCPInfo($0)) }) throws -> [String] {
        let printed = ssDetails(try Fixture.text("sockdiag-\(kernel)-\(side).ss-Mi.txt"))
        let payloads = try infoPayloads(kernel, side, "mptcp")
        var mismatches: [String] = []
        for (tuple, words) in printed {
            guard let payload = payloads[tuple] else { mismatches.append("\(tuple): not in the dump"); continue }
            let decoded = decode(payload)
            for key in mptcpInfoKeys where decoded[key] != words[key] {
                mismatches.append("\(tuple) \(key): \(decoded[key] ?? "-")≠\(words[key] ?? "-")")
            }
        }
        return mismatches
    }

    /// The same for tcp_info of every MPTCP subflow against `ss -tinH`.
    static func tcpInfoMismatches(_ kernel: String, _ side: String,
                                  decode: (ByteView) -> [String: String] = { tcpWords(TCPInfo($0)) }) throws -> [String] {
        let printed = ssDetails(try Fixture.text("sockdiag-\(kernel)-\(side).ss-ti.txt"))
        let payloads = try infoPayloads(kernel, side, "tcp")
        var mismatches: [String] = []
        for (tuple, words) in printed where words["tcp-ulp-mptcp"] != nil {
            guard let payload = payloads[tuple] else { mismatches.append("\(tuple): not in the dump"); continue }
            let decoded = decode(payload)
            for key in tcpInfoKeys where decoded[key] != words[key] {
                mismatches.append("\(tuple) \(key): \(decoded[key] ?? "-")≠\(words[key] ?? "-")")
            }
        }
        return mismatches
    }

    static let tcpInfoKeys = ["bytes_acked", "bytes_received", "segs_out", "segs_in", "cwnd"]

    /// tcp_info as ss prints it (`tcp_show_info`): byte counters only when not 0.
    static func tcpWords(_ info: TCPInfo) -> [String: String] {
        var words: [String: String] = [:]
        if let value = info.bytesAcked, value != 0 { words["bytes_acked"] = String(value) }
        if let value = info.bytesReceived, value != 0 { words["bytes_received"] = String(value) }
        if let value = info.segsOut, value != 0 { words["segs_out"] = String(value) }
        if let value = info.segsIn, value != 0 { words["segs_in"] = String(value) }
        if let value = info.sndCwnd { words["cwnd"] = String(value) }
        return words
    }
}
