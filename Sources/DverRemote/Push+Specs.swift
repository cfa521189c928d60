import DverCore

/// What a push will do with the local specs, decided from the index it read first.
struct PushedSpecs {
    /// Specs to publish, with the remote's hash they replace (nil: none), which the final
    /// conditional write checks again.
    var outgoing: [(spec: SpecBlob, replacing: String?)] = []
    var updates: [SpecUpdate] = []
    /// Specs the two sides agree on already: name → hash (the new base).
    var agreed: [String: String] = [:]
}

/// Push's part in spec transfer, the mirror of pull's: a three-way comparison per pipeline that
/// publishes the local spec when only it changed, leaves the remote's when only that changed,
/// and refuses the push when both did (unless `force`), before anything is uploaded. Published
/// specs are uploaded as blobs, then listed in the same conditional write of `index.json` that
/// moves the branches, so no reader sees a name whose blob is not there.
extension PushOperation {
    /// - Throws: `RemoteError.specConflict`; what `SpecCatalog.check` throws for a local spec
    ///   a receiver would refuse.
    func planSpecs(_ index: RemoteIndex) throws -> PushedSpecs {
        guard let specs else { return PushedSpecs() }
        let tracking = try SpecTracking.load(remote)
        var plan = PushedSpecs()
        var conflicts = [String]()
        for spec in try specs.localSpecs().sorted(by: { $0.name < $1.name }) {
            try specs.check(spec)
            let theirs = index.pipelines[spec.name]
            var update = SpecUpdate(name: spec.name, local: spec.id, remote: theirs.flatMap { ObjectID(hex: $0) }, kind: .upToDate)
            switch SpecComparison(local: spec.id, base: tracking.base(spec.name), remote: update.remote) {
            case .same:
                plan.agreed[spec.name] = spec.id.hex
            case .remoteChanged:
                update.kind = .behind
            case .localChanged:
                update.kind = theirs == nil ? .created : .updated
                plan.outgoing.append((spec, theirs))
            case .bothChanged:
                guard force else {
                    conflicts.append(spec.name)
                    continue
                }
                update.kind = .forced
                plan.outgoing.append((spec, theirs))
            }
            plan.updates.append(update)
        }
        if !conflicts.isEmpty { throw RemoteError.specConflict(pipelines: conflicts, remote: remote.name, pushing: true) }
        return plan
    }

    /// Inside the final conditional write: lists the published specs, refusing (unless forced)
    /// a spec the remote changed since the push read the index.
    func list(_ outgoing: [(spec: SpecBlob, replacing: String?)], in index: inout RemoteIndex) throws {
        for (spec, replacing) in outgoing {
            if index.pipelines[spec.name] != replacing, index.pipelines[spec.name] != spec.id.hex, !force {
                throw RemoteError.specConflict(pipelines: [spec.name], remote: remote.name, pushing: true)
            }
            index.pipelines[spec.name] = spec.id.hex
        }
    }

    /// After the push (or a push with nothing to send): the remote's spec list as written
    /// becomes the remote-tracking one, and what both sides now share becomes the base.
    func recordSpecs(_ plan: PushedSpecs, listed: [String: String]) throws {
        guard specs != nil else { return }
        var tracking = try SpecTracking.load(remote)
        let before = tracking
        tracking.remote = listed
        tracking.base.merge(plan.agreed) { _, new in new }
        for (spec, _) in plan.outgoing { tracking.base[spec.name] = spec.id.hex }
        if tracking != before { try tracking.save(remote) }
    }
}
