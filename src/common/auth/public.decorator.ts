import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

export const IS_PUBLIC_ROUTE = 'jetvision:public-route';

/**
 * Marks a route (or controller) as callable without an API key; everything else requires one. Use sparingly and say
 * why at the call site. The OpenAPI document shows such operations with an empty security requirement.
 */
export const Public = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IS_PUBLIC_ROUTE, true), ApiSecurity({}));
