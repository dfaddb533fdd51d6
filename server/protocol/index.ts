/** The wire protocol: the one source of every message schema (clients and media import it). */
export * from './common';
export * from './commands';
export * from './avl';
export * from './frames';
export * from './media';
export * from './bus';
