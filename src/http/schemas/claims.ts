// Ownership claims: the claimant's form (files as base64 in JSON), the views of claimant, owner and operator.
import { Type } from '@sinclair/typebox';
import { CLAIM_MAX_FILES, CLAIM_MESSAGE_MAX } from '../../domain/claims.ts';
import { Millis, Strict, nullable } from './common.ts';

const Stage = Type.Union(
  [
    Type.Literal('waiting_for_owner'),
    Type.Literal('under_review'),
    Type.Literal('released'),
    Type.Literal('completed'),
    Type.Literal('transferred'),
    Type.Literal('dismissed'),
  ],
  { description: 'waiting_for_owner → released → completed, or under_review → transferred | dismissed' },
);
const FileKind = Type.Union([Type.Literal('label_photo'), Type.Literal('proof_of_purchase')]);

export const ClaimBody = Strict({
  serial: Type.String({ minLength: 1, maxLength: 64, description: 'As printed on the label' }),
  verificationCode: Type.String({ minLength: 1, maxLength: 64, description: 'The verification code on the label' }),
  message: Type.String({ maxLength: CLAIM_MESSAGE_MAX, description: 'Why the device is yours (shown to the owner)' }),
  files: Type.Array(
    Strict({
      kind: FileKind,
      name: Type.String({ minLength: 1, maxLength: 255, description: 'the file name, for the operator' }),
      data: Type.String({
        minLength: 1,
        description:
          'The file, base64. Its type is read from its first bytes: JPEG or PNG for the label photo, JPEG, PNG or ' +
          'PDF for proof of purchase; at most 5 MB each, 12 MB together.',
      }),
    }),
    { minItems: 1, maxItems: CLAIM_MAX_FILES, description: 'One label photo and at least one proof of purchase' },
  ),
});

const FileView = Strict({
  id: Type.String(),
  kind: FileKind,
  name: Type.String(),
  mediaType: Type.String(),
  size: Type.Integer(),
});

export const ClaimantClaim = Strict(
  {
    id: Type.String(),
    role: Type.Literal('claimant'),
    device: Strict({ serial: Type.String(), model: Type.String(), kind: Type.String() }),
    message: Type.String(),
    stage: Stage,
    createdAt: Millis,
    ownerDeadline: Millis,
    reservedUntil: nullable(Millis),
    files: Type.Array(FileView),
  },
  { $id: 'ClaimantClaim', description: 'A claim as its claimant sees it: never who owns the device' },
);

export const OwnerClaim = Strict(
  {
    id: Type.String(),
    role: Type.Literal('owner'),
    device: Strict({
      id: Type.String(),
      serial: Type.String(),
      model: Type.String(),
      kind: Type.String(),
      name: Type.String(),
    }),
    claimant: Strict({ displayName: Type.String() }),
    message: Type.String(),
    stage: Stage,
    createdAt: Millis,
    ownerDeadline: Millis,
    canRelease: Type.Boolean(),
    canReject: Type.Boolean(),
  },
  { $id: 'OwnerClaim', description: 'A claim on my device' },
);

export const AnyClaim = Type.Union([ClaimantClaim, OwnerClaim]);

export const MyClaims = Strict({ filed: Type.Array(ClaimantClaim), received: Type.Array(OwnerClaim) });

const Person = Strict({ id: Type.String(), displayName: Type.String(), email: nullable(Type.String()) });

export const OperatorClaim = Strict(
  {
    id: Type.String(),
    device: Strict({
      id: Type.String(),
      serial: Type.String(),
      model: Type.String(),
      kind: Type.String(),
      name: Type.String(),
    }),
    claimant: Person,
    ownerAtFiling: nullable(Person),
    currentOwnerId: nullable(Type.String()),
    message: Type.String(),
    status: Type.String(),
    stage: Stage,
    createdAt: Millis,
    ownerDeadline: Millis,
    ownerAnsweredAt: nullable(Millis),
    decidedAt: nullable(Millis),
    operatorNote: nullable(Type.String()),
    reviewable: Type.Boolean(),
    files: Type.Array(FileView),
  },
  { $id: 'OperatorClaim', description: 'A claim as an operator reviews it' },
);

export const OperatorClaimQuery = Strict({
  state: Type.Optional(
    Type.Union([Type.Literal('review'), Type.Literal('open'), Type.Literal('all')], {
      description: 'review (default): the owner rejected or did not answer in time; open: not decided; all',
    }),
  ),
});

export const TransferClaimBody = Strict({ note: Type.Optional(Type.String({ maxLength: 1000 })) });
export const DismissClaimBody = Strict({
  note: Type.String({ minLength: 1, maxLength: 1000, description: 'Why, in words the claimant reads' }),
});

export const ClaimFileParams = Strict({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  fileId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
});
