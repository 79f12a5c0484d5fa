import ArgumentParser
import FoundationEssentials
import MPTCPCommandLine
import MPTCPWire
import MPTCPModel
import MPTCPPresentation
import MPTCPKernel

/// `mptcp-exporter connections`: every MPTCP connection with its subflows, once.
public struct ConnectionsCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "connections",
        abstract: "List the MPTCP connections of this network namespace with their subflows (sock_diag).")

    @Option(help: ArgumentHelp("Also write the raw netlink datagrams of the four dumps into this directory.",
                               valueName: "directory"))
    var saveRaw: String?

    public init() {}

    public func run() throws {
        let reader = try ConnectionReader()
        let result = try reader.read(keepRaw: saveRaw != nil)
        print(ConnectionText.render(result.snapshot), terminator: "")
        for error in result.decodeErrors { StandardStream.error("decode: \(error)\n") }
        if let directory = saveRaw, let raw = result.raw {
            try OutputDirectory.create(directory)
            for dump in raw.mptcp + raw.tcp {
                let name = "\(dump.protocolNumber == SockDiagRequest.protocolMPTCP ? "mptcp" : "tcp")-\(dump.family == IPAddress.inet ? "inet" : "inet6").bin"
                try OutputFile.write(SnapshotArchive.encodeDatagrams(dump.datagrams), to: directory + "/" + name)
            }
        }
    }
}
