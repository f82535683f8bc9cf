/**
 * The errors store code (and the floors above it) raise: the host's one error tree (../errors.ts),
 * re-exported here so that a store module keeps importing from its own floor.
 */
export {
  SdxError, sdxError, permissionDenied, validationFailed, notFound, hostFailed, withAuditTarget, auditTargetOf, markReported, isReported,
  type ValidationIssue,
} from "../errors.js";
