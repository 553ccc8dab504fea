/**
 * GraphQL SDL served by the API gateway. Kept as a plain string so the API
 * process has no GraphQL runtime dependency; the gateway stitches it.
 */
export const typeDefs = /* GraphQL */ `
  enum Role {
    student
    instructor
    admin
  }

  type User {
    id: ID!
    email: String!
    displayName: String!
    role: Role!
  }

  type Community {
    id: ID!
    slug: String!
    name: String!
    description: String!
    visibility: String!
    owner: User
    members: [User!]!
    memberCount: Int!
  }

  type ContentItem {
    id: ID!
    title: String!
    slug: String!
    tags: [String!]!
    readingMinutes: Int!
    author: User
    publishedAt: String
  }

  type GradeResult {
    earned: Float!
    possible: Float!
    percentage: Float!
    passed: Boolean!
    late: Boolean!
  }

  type Query {
    me: User
    user(id: ID!): User
    communities(search: String): [Community!]!
    community(id: ID!): Community
    content(communityId: ID!, tag: String): [ContentItem!]!
  }

  type Mutation {
    createCommunity(name: String!, description: String, visibility: String): Community!
    joinCommunity(id: ID!, inviteCode: String): Community!
    submitAssessment(id: ID!, answers: String!): GradeResult!
  }
`;

export const rootTypes = ['Query', 'Mutation'] as const;
