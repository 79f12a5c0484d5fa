/// What an exposition says, in the shape the references (nstat, ip mptcp)
/// are compared in.
public enum ServedState {
    /// MPTcpExt values by kernel name, through `mptcp_ext_info` (which maps
    /// each kernel name to its series); with `namespace`, that namespace's only.
    public static func counters(_ samples: [ExposedSample], namespace: String? = nil) -> [String: UInt64] {
        var served: [String: UInt64] = [:]
        for info in samples where info.name == "mptcp_ext_info" && (namespace == nil || info.labels["namespace"] == namespace) {
            guard let counter = info.labels["counter"], let series = info.labels["series"],
                  let sample = samples.first(where: { $0.name == series && (namespace == nil || $0.labels["namespace"] == namespace) })
            else { continue }
            served[counter] = UInt64(sample.valueText)
        }
        return served
    }

    /// `mptcp_endpoint_info` as "address|id|port|flags|interface" lines,
    /// the shape of ``IPMPTCP/endpoints(in:)``.
    public static func endpoints(_ samples: [ExposedSample]) -> Set<String> {
        Set(samples.filter { $0.name == "mptcp_endpoint_info" }.map { sample in
            let l = sample.labels
            return "\(l["address"] ?? "")|\(l["id"] ?? "")|\(l["port"] ?? "")|\(l["flags"] ?? "")|\(l["interface"] ?? "")"
        })
    }
}
