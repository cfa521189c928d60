import DverCore

/// What a pull will do with the remote's specs, decided before any branch moves.
struct PulledSpecs {
    var adopt: [SpecBlob] = []
    var updates: [SpecUpdate] = []
    /// Specs the two sides will agree on afterwards: name → hash (the new base).
    var agreed: [String: String] = [:]
    var arrivingRepos: Set<String> = []
}

/// Pull's part in spec transfer: a three-way comparison per pipeline (local spec, the remote's,
/// and the base both last had, `SpecTracking.base`) that takes the remote's spec when only the
/// remote changed it, keeps the local one when only it changed, and refuses the whole pull when
/// both did (unless `force`), before any branch moves.
extension PullOperation {
    /// - Throws: `RemoteError.specConflict`; what `SpecCatalog.checkAdoption` throws.
    func planSpecs(_ fetched: FetchResult, arrivingRepos: Set<String>) throws -> PulledSpecs? {
        guard let specs else { return nil }
        let local = Dictionary(try specs.localSpecs().map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
        let tracking = try SpecTracking.load(remote)
        var plan = PulledSpecs(arrivingRepos: arrivingRepos)
        var conflicts = [String]()
        for spec in fetched.specs {
            let mine = local[spec.name]
            var update = SpecUpdate(name: spec.name, local: mine, remote: spec.id, kind: .upToDate)
            switch SpecComparison(local: mine, base: tracking.base(spec.name), remote: spec.id) {
            case .same:
                plan.agreed[spec.name] = spec.id.hex
            case .localChanged:
                update.kind = .kept
            case .remoteChanged:
                update.kind = mine == nil ? .created : .updated
                plan.adopt.append(spec)
            case .bothChanged:
                guard force else {
                    conflicts.append(spec.name)
                    continue
                }
                update.kind = .forced
                plan.adopt.append(spec)
            }
            plan.updates.append(update)
        }
        if !conflicts.isEmpty { throw RemoteError.specConflict(pipelines: conflicts, remote: remote.name, pushing: false) }
        if !plan.adopt.isEmpty { try specs.checkAdoption(plan.adopt, arrivingRepos: arrivingRepos) }
        for spec in plan.adopt { plan.agreed[spec.name] = spec.id.hex }
        return plan
    }

    /// Adds the specs taken to the local catalog (after the branches moved, so output repos
    /// the pull created are there) and records the new bases.
    func applySpecs(_ plan: PulledSpecs?) throws -> [SpecUpdate] {
        guard let plan, let specs else { return [] }
        if !plan.adopt.isEmpty { try specs.adopt(plan.adopt, arrivingRepos: plan.arrivingRepos) }
        var tracking = try SpecTracking.load(remote)
        let before = tracking
        tracking.base.merge(plan.agreed) { _, new in new }
        if tracking != before { try tracking.save(remote) }
        return plan.updates
    }
}
