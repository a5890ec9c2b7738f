import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';

/**
 * The two list shapes of the REST API (docs/helper-brief.md "REST conventions"):
 * - cursor lists `{ items, page: { nextCursor, limit } }` — walk with `?cursor=<nextCursor>` until it is null;
 * - page lists `{ items, page: { page, perPage, totalItems, totalPages } }` — for upstreams that page by number.
 */
export interface CursorPageInfo {
  /** Opaque; null on the last page. */
  nextCursor: string | null;
  limit: number;
}

export interface CursorPage<T> {
  items: T[];
  page: CursorPageInfo;
}

export interface NumberedPageInfo {
  page: number;
  perPage: number;
  totalItems: number;
  totalPages: number;
}

export interface NumberedPage<T> {
  items: T[];
  page: NumberedPageInfo;
}

export function cursorPage<T>(
  items: T[],
  info: { nextCursor: string | null | undefined; limit: number },
): CursorPage<T> {
  return { items, page: { nextCursor: info.nextCursor ?? null, limit: info.limit } };
}

export function numberedPage<T>(items: T[], info: NumberedPageInfo): NumberedPage<T> {
  return { items, page: { ...info } };
}

/** Query strings are text and the global pipe converts nothing implicitly: integers are parsed here, leaving junk as is. */
export function QueryInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value,
  );
}

export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 25;

/** `?limit=&cursor=` of a cursor list; limit 1–100, default 25. Extend it for a list's own filters. */
export class CursorPageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, example: 25 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page', example: 'eyJsYXN0SWQiOiIxMjMifQ==' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  cursor?: string;
}

/** `?page=&perPage=` of a numbered list; page ≥ 1 (default 1), perPage 1–100 (default 25). */
export class NumberedPageQuery {
  @ApiPropertyOptional({ minimum: 1, default: 1, example: 1 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE, example: 25 })
  @IsOptional()
  @QueryInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  perPage?: number;
}

/** OpenAPI description of `page` in a cursor list (use as the `page` property of a list response class). */
export class CursorPageInfoDto implements CursorPageInfo {
  @ApiProperty({ type: String, nullable: true, description: 'Pass as ?cursor= for the next page; null on the last' })
  nextCursor!: string | null;

  @ApiProperty({ example: 25 })
  limit!: number;
}

/** OpenAPI description of `page` in a numbered list. */
export class NumberedPageInfoDto implements NumberedPageInfo {
  @ApiProperty({ example: 1 })
  page!: number;

  @ApiProperty({ example: 25 })
  perPage!: number;

  @ApiProperty({ example: 240 })
  totalItems!: number;

  @ApiProperty({ example: 10 })
  totalPages!: number;
}
